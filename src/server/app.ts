/**
 * createApp(deps): the Fastify application with every route, strict JSON bodies, security headers
 * and the single error mapping. It never listens; `main.ts` (and tests) do.
 */
import cookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AccountService } from '../auth/account-service.js';
import type { AdminService } from '../auth/admin-service.js';
import type { AuthService } from '../auth/auth-service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { ConversationService } from '../conversation/conversation-service.js';
import type { FeedbackService } from '../conversation/feedback-service.js';
import type { PromptLibrary } from '../conversation/prompt-library.js';
import type { AnswerHub } from '../generation/answer-hub.js';
import type { AnswerJobs } from '../generation/answer-jobs.js';
import type { Ids } from '../ids.js';
import type { Limits } from '../limits/limits-service.js';
import { detailBody, notFoundRouteBody } from '../protocol/error-bodies.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { Store } from '../store/store.js';
import type { TelemetryService } from '../telemetry/telemetry-service.js';
import { clientErrorHandler } from './client-errors.js';
import { internalErrorReply, toErrorReply } from './errors.js';
import { installJsonParser } from './json-body.js';
import { type RouteSpec, registerRoutes } from './route-table.js';
import { accountRoutes } from './routes/account-routes.js';
import { adminRoutes } from './routes/admin-routes.js';
import { authRoutes } from './routes/auth-routes.js';
import { catalogRoutes } from './routes/catalog-routes.js';
import { conversationRoutes } from './routes/conversation-routes.js';
import type { Lifecycle } from './routes/conversation-stream.js';
import { dataRoutes } from './routes/data-routes.js';
import { searchRoutes } from './routes/search-routes.js';
import { shareRoutes } from './routes/share-routes.js';
import { telemetryRoutes } from './routes/telemetry-routes.js';
import { lazySchemaCompilers } from './schema-compilers.js';
import { commonSecurityHeaders, securityHeaders } from './security-headers.js';
import { registerSharePages } from './share-pages.js';
import { registerWebUi } from './web-ui.js';

export interface AppDeps {
  config: Pick<Config, 'telemetryEnabled' | 'webRoot' | 'sessionTtlHours' | 'trustProxy' | 'publicUrl' | 'host'>;
  store: Store;
  clock: Clock;
  ids: Ids;
  /** This server process's id (answer leases, the `instances` heartbeat). */
  instanceId: string;
  providers: ProviderRegistry;
  auth: AuthService;
  accounts: AccountService;
  admin: AdminService;
  conversations: ConversationService;
  feedback: FeedbackService;
  prompts: PromptLibrary;
  telemetry: TelemetryService;
  limits: Limits;
  /** Where answers being written publish their events (one process, or shared by several). */
  hub: AnswerHub;
  /** The answers this process runs. */
  jobs: AnswerJobs;
  lifecycle: Lifecycle;
  /** What this process needs to answer requests (the database, Redis), for the readiness check. */
  dependencies: DependencyCheck[];
  logger?: Logger | false;
}

/** One dependency of the readiness check: `check` throws when it does not answer. */
export interface DependencyCheck {
  name: string;
  check(): Promise<void>;
  /** Releases its connection at shutdown (after the store's users are done). */
  close?(): Promise<void>;
}

/** How long the readiness check waits for one dependency. */
const readinessTimeoutMs = 2_000;

/** The first dependency that does not answer within the timeout; undefined when all do. */
async function unreadyDependency(dependencies: DependencyCheck[]): Promise<string | undefined> {
  const failures = await Promise.all(
    dependencies.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${readinessTimeoutMs} ms`)), readinessTimeoutMs);
      });
      try {
        await Promise.race([check(), timeout]);
        return undefined;
      } catch {
        // Only the name: this answer is public, and error messages name hosts.
        return `${name} is not answering`;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return failures.find((failure) => failure !== undefined);
}

/** The API's body limit: 1 MiB (docs/security.md). */
export const apiBodyLimit = 1024 * 1024;

/** Every route of the app, for registration and for the authorization matrix. */
export function listRoutes(deps: AppDeps): RouteSpec[] {
  return [
    ...authRoutes(deps),
    ...conversationRoutes(deps),
    ...searchRoutes(deps),
    ...accountRoutes(deps),
    ...adminRoutes(deps),
    ...catalogRoutes(deps),
    ...telemetryRoutes(deps),
    ...dataRoutes(deps),
    ...shareRoutes(deps),
  ];
}

/**
 * Frame-level URL errors (a path parameter too long, bad percent-encoding) in the `{"detail"}` shape.
 * The router answers these before any hook runs, so the security headers are set here.
 */
function frameworkErrors(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = (error as { code?: string }).code === 'FST_ERR_MAX_PARAM_LENGTH';
  const message = tooLong ? 'A path parameter is too long' : 'The URL is malformed';
  reply
    .code(400)
    .headers({ ...commonSecurityHeaders, 'cache-control': 'no-store' })
    .type('application/json; charset=utf-8')
    .send(detailBody(message));
}

function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const known = toErrorReply(error);
    if (!known) request.log.error({ err: error }, 'unhandled error');
    const { status, body, headers = {} } = known ?? internalErrorReply;
    if (!reply.raw.headersSent) reply.code(status).headers(headers).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).type('application/json; charset=utf-8').send(notFoundRouteBody);
  });
}

export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Fastify 5 takes a ready pino instance as `loggerInstance`; `logger` only accepts options.
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit: apiBodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    trustProxy: deps.config.trustProxy,
    requestIdHeader: false,
    genReqId: () => deps.ids.uuid(),
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    frameworkErrors,
    clientErrorHandler,
    schemaController: { compilersFactory: lazySchemaCompilers },
  });
  await app.register(cookie);
  installJsonParser(app);
  installErrorHandling(app);
  app.addHook('onSend', securityHeaders);
  // Liveness: the process answers. A load balancer stops sending work once this says `draining` (503)
  // during a shutdown.
  app.get('/healthz', async (_request, reply) =>
    deps.lifecycle.draining ? reply.code(503).send({ status: 'draining' }) : { status: 'ok' },
  );
  // Readiness: the process and what it depends on (database, Redis) answer (docs/deploy.md).
  app.get('/readyz', async (_request, reply) => {
    if (deps.lifecycle.draining) return reply.code(503).send({ status: 'draining' });
    const unready = await unreadyDependency(deps.dependencies);
    if (!unready) return { status: 'ok' };
    return reply.code(503).header('retry-after', '5').send({ status: 'unavailable', detail: unready });
  });
  registerRoutes(app, listRoutes(deps), deps.auth);
  registerSharePages(app, deps, await registerWebUi(app, deps.config.webRoot));
  return app;
}
