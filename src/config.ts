/**
 * Configuration: environment variables plus an optional JSON config file → one typed, validated
 * Config. Invalid configuration fails at start-up with a message naming the setting.
 *
 * Precedence: CLI flags (passed as `overrides`) > environment > config file > defaults.
 * The config file is `$BACKCHAT_CONFIG`, else `<dataDir>/backchat.config.json` if it exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { type LimitsConfig, limitsFileSchema, resolveLimits } from './limits/limits-config.js';

const modelSchema = z.object({
  /** Name sent upstream. */
  id: z.string().min(1),
  /** Slug shown to clients; defaults to `id`. */
  slug: z.string().min(1).optional(),
  title: z.string().min(1).optional(),
  description: z.string().optional(),
  contextWindow: z.number().int().positive().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
});

const providerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('openai-compatible'),
    id: z.string().min(1),
    baseUrl: z.url(),
    apiKey: z.string().optional(),
    /** Models to offer; when absent, the upstream's `/v1/models` is asked at start-up. */
    models: z.array(modelSchema).optional(),
    /** Milliseconds to wait for the upstream's response headers. */
    timeoutMs: z.number().int().positive().optional(),
    /** Milliseconds of silence mid-stream after which the answer is ended (kept, marked). */
    idleTimeoutMs: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal('demo'),
    id: z.string().min(1).default('demo'),
    /** Milliseconds between streamed tokens (realistic default ≈ 30 tokens/s). */
    tokenDelayMs: z.number().int().min(0).optional(),
  }),
]);

export type ProviderConfig = z.infer<typeof providerSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;

const fileSchema = z
  .object({
    host: z.string().optional(),
    port: z.number().int().min(0).max(65535).optional(),
    databaseUrl: z.string().optional(),
    /** PostgreSQL connections per instance (default 10). */
    databasePoolSize: z.number().int().positive().max(1000).optional(),
    /** Redis shared by several instances (limits, live answers, stop signals); optional. */
    redisUrl: z.string().optional(),
    /** Prefix of every Redis key this installation uses (default `backchat:`). */
    redisKeyPrefix: z.string().min(1).optional(),
    /** Seconds start-up waits for the database and Redis to answer before giving up (default 60). */
    startupWaitSeconds: z.number().min(0).optional(),
    providers: z.array(providerSchema).optional(),
    /** Client model slug → our model slug (e.g. "text-davinci-002-render-sha" → "llama3.1"). */
    modelAliases: z.record(z.string(), z.string()).optional(),
    /** Slug of the model used for unknown or legacy slugs. */
    defaultModel: z.string().optional(),
    telemetry: z.object({ enabled: z.boolean().optional() }).optional(),
    temporaryChatRetentionHours: z.number().positive().optional(),
    accessTokenTtlHours: z.number().positive().optional(),
    sessionTtlHours: z.number().positive().optional(),
    /** Probe Ollama on 127.0.0.1:11434 when no provider is configured. */
    detectOllama: z.boolean().optional(),
    /** Abuse limits (docs/limits.md); every key optional. */
    limits: limitsFileSchema.optional(),
    /** Which proxies' X-Forwarded-For to believe: true (any) or their addresses / CIDR ranges. */
    trustProxy: z.union([z.boolean(), z.array(z.string().min(1))]).optional(),
    /** Seconds running answers may take to finish at shutdown (default 30). */
    shutdownGraceSeconds: z.number().min(0).optional(),
    /** Seconds an answer's lease lasts unrenewed (default 15). */
    generationLeaseSeconds: z.number().positive().optional(),
    /** The address people reach this server at (share links): `https://chat.example.org`. */
    publicUrl: z.string().optional(),
  })
  .strict();

/**
 * Fastify's `trustProxy`: false (default), true, or proxy addresses / CIDR ranges. (Fastify 5 ignores a
 * hop count — it cannot check the immediate peer — so none is offered.)
 */
export type TrustProxy = boolean | string[];

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** `sqlite:<file>` is derived from dataDir when DATABASE_URL is not a postgres URL. */
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize?: number };
  /** Where instances share limits, live answers and stop signals; undefined: this process alone. */
  redis: RedisConfig | undefined;
  /** How long start-up waits for the database (and Redis) to answer. */
  startupWaitSeconds: number;
  /** Explicitly configured providers; empty means "choose the default" (see providers/registry). */
  providers: ProviderConfig[];
  modelAliases: Record<string, string>;
  defaultModel: string | undefined;
  detectOllama: boolean;
  telemetryEnabled: boolean;
  temporaryChatRetentionHours: number;
  accessTokenTtlHours: number;
  sessionTtlHours: number;
  /** Where the built web UI lives (served at `/`), if built. */
  webRoot: string;
  limits: LimitsConfig;
  /** Behind a reverse proxy: whose X-Forwarded-For decides `request.ip` (per-IP limits). */
  trustProxy: TrustProxy;
  /** SIGTERM/SIGINT: how long running answers may take to finish before they are stopped. */
  shutdownGraceSeconds: number;
  /** How long an answer's lease lasts unrenewed: a crashed process's answers are marked interrupted after it. */
  generationLeaseSeconds: number;
  /** Milliseconds between the demo model's tokens, when set (default: its realistic pace). */
  demoTokenDelayMs: number | undefined;
  /**
   * The server's public base URL (`https://chat.example.org`, no path or trailing slash): share links are
   * built from it, never from a request's Host. Undefined: the listen address (server/public-url.ts).
   */
  publicUrl: string | undefined;
}

export interface RedisConfig {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  url: string;
  /** Every key starts with it, so several installations (or tests) can share one Redis. */
  keyPrefix: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigOverrides {
  host?: string;
  port?: number;
  dataDir?: string;
}

type Env = Record<string, string | undefined>;

/** PostgreSQL connections per instance unless configured. */
const defaultPoolSize = 10;

export function parsePort(value: string, source: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${source} must be a port number (0-65535), got "${value}"`);
  }
  return port;
}

function parsePositive(value: string | undefined, source: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${source} must be a positive number, got "${value}"`);
  return n;
}

function parseNonNegative(value: string | undefined, source: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${source} must be a number 0 or more, got "${value}"`);
  return n;
}

function parseBool(value: string | undefined, source: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${source} must be true or false, got "${value}"`);
}

/** proxy-addr's names for address ranges, usable in a trustProxy list. */
const proxyRangeNames = new Set(['loopback', 'linklocal', 'uniquelocal']);

function checkProxyList(entries: string[], source: string): string[] {
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const validPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && extra === undefined);
    if (!proxyRangeNames.has(entry) && !(isIP(address) && validPrefix)) {
      throw new ConfigError(
        `${source}: "${entry}" is not an IP address, a CIDR range or loopback/linklocal/uniquelocal`,
      );
    }
  }
  return entries;
}

/** `true`/`false` or a comma list of proxy addresses / CIDR ranges. */
function parseTrustProxy(value: string | undefined): TrustProxy | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return undefined;
  if (/^(1|true|yes|on|0|false|no|off)$/i.test(text)) return parseBool(text, 'BACKCHAT_TRUST_PROXY');
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return checkProxyList(entries, 'BACKCHAT_TRUST_PROXY');
}

function fileTrustProxy(value: TrustProxy | undefined): TrustProxy | undefined {
  return Array.isArray(value) ? checkProxyList(value, 'config file trustProxy') : value;
}

/**
 * An http(s) origin with no path, query, fragment or credentials, returned without a trailing slash
 * (`https://chat.example.org`). A missing or empty value is undefined.
 */
export function parsePublicUrl(value: string | undefined, source: string): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigError(`${source} must be an http(s) URL such as https://chat.example.org, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${source} must start with http:// or https://, got "${value}"`);
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    throw new ConfigError(`${source} must be only scheme, host and port (no path, query or user), got "${value}"`);
  }
  return url.origin;
}

function readConfigFile(path: string): z.infer<typeof fileSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`config file ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Providers named by the environment (OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODELS). */
function providersFromEnv(env: Env): ProviderConfig[] {
  const baseUrl = env.OPENAI_BASE_URL;
  const apiKey = env.OPENAI_API_KEY;
  if (!baseUrl && !apiKey) return [];
  const models = env.OPENAI_MODELS?.split(',')
    .map((id) => id.trim())
    .filter(Boolean)
    .map((id) => ({ id }));
  const provider = providerSchema.safeParse({
    type: 'openai-compatible',
    id: 'openai',
    baseUrl: baseUrl || 'https://api.openai.com/v1',
    apiKey,
    models: models?.length ? models : undefined,
  });
  if (!provider.success) throw new ConfigError(`OPENAI_BASE_URL must be a URL, got "${baseUrl}"`);
  return [provider.data];
}

export function loadConfig(env: Env = process.env, overrides: ConfigOverrides = {}): Config {
  const dataDir = resolve(overrides.dataDir ?? env.BACKCHAT_DATA_DIR ?? './data');
  const filePath = env.BACKCHAT_CONFIG ?? join(dataDir, 'backchat.config.json');
  const file = env.BACKCHAT_CONFIG || existsSync(filePath) ? readConfigFile(filePath) : {};

  const host = overrides.host ?? env.BACKCHAT_HOST ?? file.host ?? '127.0.0.1';
  const port =
    overrides.port ?? (env.BACKCHAT_PORT ? parsePort(env.BACKCHAT_PORT, 'BACKCHAT_PORT') : (file.port ?? 3000));
  const databaseUrl = env.DATABASE_URL || file.databaseUrl;
  let database: Config['database'] = { kind: 'sqlite', file: join(dataDir, 'backchat.sqlite') };
  if (databaseUrl) {
    if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
      const poolSize =
        parsePositive(env.DATABASE_POOL_SIZE, 'DATABASE_POOL_SIZE') ?? file.databasePoolSize ?? defaultPoolSize;
      if (!Number.isInteger(poolSize)) throw new ConfigError(`DATABASE_POOL_SIZE must be a whole number`);
      database = { kind: 'postgres', url: databaseUrl, poolSize };
    } else if (databaseUrl.startsWith('sqlite:')) database = { kind: 'sqlite', file: resolve(databaseUrl.slice(7)) };
    else throw new ConfigError('DATABASE_URL must start with postgres://, postgresql:// or sqlite:');
  }

  const envProviders = providersFromEnv(env);
  const redisUrl = env.REDIS_URL || file.redisUrl;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl))
    throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  return {
    host,
    port,
    dataDir,
    database,
    redis: redisUrl
      ? { url: redisUrl, keyPrefix: env.BACKCHAT_REDIS_PREFIX || file.redisKeyPrefix || 'backchat:' }
      : undefined,
    startupWaitSeconds:
      parseNonNegative(env.BACKCHAT_STARTUP_WAIT_SECONDS, 'BACKCHAT_STARTUP_WAIT_SECONDS') ??
      file.startupWaitSeconds ??
      60,
    providers: envProviders.length ? envProviders : (file.providers ?? []),
    modelAliases: file.modelAliases ?? {},
    defaultModel: env.BACKCHAT_DEFAULT_MODEL || file.defaultModel,
    detectOllama: parseBool(env.BACKCHAT_DETECT_OLLAMA, 'BACKCHAT_DETECT_OLLAMA') ?? file.detectOllama ?? true,
    telemetryEnabled: parseBool(env.BACKCHAT_TELEMETRY, 'BACKCHAT_TELEMETRY') ?? file.telemetry?.enabled ?? true,
    temporaryChatRetentionHours:
      parsePositive(env.BACKCHAT_TEMPORARY_RETENTION_HOURS, 'BACKCHAT_TEMPORARY_RETENTION_HOURS') ??
      file.temporaryChatRetentionHours ??
      24 * 30,
    accessTokenTtlHours:
      parsePositive(env.BACKCHAT_ACCESS_TOKEN_TTL_HOURS, 'BACKCHAT_ACCESS_TOKEN_TTL_HOURS') ??
      file.accessTokenTtlHours ??
      24 * 30,
    sessionTtlHours:
      parsePositive(env.BACKCHAT_SESSION_TTL_HOURS, 'BACKCHAT_SESSION_TTL_HOURS') ?? file.sessionTtlHours ?? 24 * 30,
    webRoot: resolve(env.BACKCHAT_WEB_ROOT ?? new URL('../../web-dist', import.meta.url).pathname),
    limits: resolveLimits(file.limits),
    trustProxy: parseTrustProxy(env.BACKCHAT_TRUST_PROXY) ?? fileTrustProxy(file.trustProxy) ?? false,
    shutdownGraceSeconds:
      parseNonNegative(env.BACKCHAT_SHUTDOWN_GRACE_SECONDS, 'BACKCHAT_SHUTDOWN_GRACE_SECONDS') ??
      file.shutdownGraceSeconds ??
      30,
    generationLeaseSeconds:
      parsePositive(env.BACKCHAT_GENERATION_LEASE_SECONDS, 'BACKCHAT_GENERATION_LEASE_SECONDS') ??
      file.generationLeaseSeconds ??
      15,
    demoTokenDelayMs: parseNonNegative(env.BACKCHAT_DEMO_TOKEN_DELAY_MS, 'BACKCHAT_DEMO_TOKEN_DELAY_MS'),
    publicUrl:
      parsePublicUrl(env.BACKCHAT_PUBLIC_URL, 'BACKCHAT_PUBLIC_URL') ??
      parsePublicUrl(file.publicUrl, 'config file publicUrl'),
  };
}
