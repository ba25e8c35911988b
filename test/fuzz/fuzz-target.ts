/**
 * Sends fuzz requests to a server — in process (`app.inject`) or over real loopback HTTP — and checks
 * each answer against the contract: never ≥ 500, never a 1xx/3xx, `nosniff` always; every 4xx an
 * `application/json` `{"detail": …}` body that reveals nothing internal; and the database digest
 * unchanged by every rejected request. Keeps per-route status counts for the report.
 */
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { detailText, leakPatterns } from '../helpers/bad-inputs.js';
import type { Digester } from '../helpers/db-digest.js';
import { describeRequest, type FuzzRequest, type Identity } from './fuzz-request.js';

export interface FuzzResponse {
  status: number;
  contentType: string | undefined;
  nosniff: string | undefined;
  text: string;
}

/** Delivers one request with the given Authorization header (undefined: none). */
export type Transport = (request: FuzzRequest, authorization: string | undefined) => Promise<FuzzResponse>;

function headersOf(request: FuzzRequest, authorization: string | undefined): Record<string, string> {
  return { ...request.headers, ...(authorization !== undefined && { authorization }) };
}

function header(value: string | string[] | number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/** In process, through Fastify's `inject` (no socket; the URL is normalised as a proxy would). */
export function injectTransport(app: FastifyInstance): Transport {
  return async (request, authorization) => {
    const response = await app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: headersOf(request, authorization),
      ...(request.body !== undefined && { payload: Buffer.from(request.body) }),
    });
    return {
      status: response.statusCode,
      contentType: header(response.headers['content-type']),
      nosniff: header(response.headers['x-content-type-options']),
      text: response.body,
    };
  };
}

/** Over real loopback HTTP with one kept-alive connection; the path goes on the wire exactly as generated. */
export function httpTransport(baseUrl: string): { send: Transport; close(): void } {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send: Transport = (request, authorization) =>
    new Promise((resolve, reject) => {
      const body = request.body === undefined ? undefined : Buffer.from(request.body);
      const outgoing = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: request.method,
          path: request.url,
          headers: { ...headersOf(request, authorization), ...(body && { 'content-length': String(body.length) }) },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              contentType: header(incoming.headers['content-type']),
              nosniff: header(incoming.headers['x-content-type-options']),
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('no response within 30 s')));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  return { send, close: () => agent.destroy() };
}

/** The request as text, to tell an echo of the client's own input from a leak. */
function requestText(request: FuzzRequest): string {
  let decoded = request.url;
  try {
    decoded = decodeURIComponent(request.url);
  } catch {
    // Malformed percent-encoding is one of the generated cases: keep the raw URL.
  }
  const body = request.body === undefined ? '' : Buffer.from(request.body).toString('utf8');
  return `${request.url}\n${decoded}\n${body}`;
}

/** Leak patterns found in the answer that are not simply the request's own text repeated back. */
function leaks(response: FuzzResponse, request: FuzzRequest): string[] {
  const echoed = requestText(request);
  const detail = detailText(response.text) ?? '';
  return leakPatterns.flatMap((pattern) =>
    [response.text, detail].flatMap((text) => {
      const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(text);
      return match && !echoed.includes(match[0]) ? [`body reveals internals (${pattern}: ${match[0]})`] : [];
    }),
  );
}

function contractProblems(response: FuzzResponse, request: FuzzRequest): string[] {
  const problems: string[] = [];
  const { status } = response;
  if (status >= 500 || status < 200 || (status >= 300 && status < 400)) problems.push(`status ${status}`);
  if (response.nosniff !== 'nosniff') problems.push('no x-content-type-options: nosniff');
  if (status >= 400) {
    if (!/^application\/json\b/.test(response.contentType ?? '')) problems.push(`content-type ${response.contentType}`);
    if (detailText(response.text) === undefined) problems.push('body is not {"detail": string | {message}}');
    problems.push(...leaks(response, request));
  }
  return problems;
}

/** Status counts, overall and per route pattern. */
export class FuzzStats {
  readonly byStatus = new Map<number, number>();
  readonly byRoute = new Map<string, Map<number, number>>();
  requests = 0;
  fullDigests = 0;

  record(route: string, status: number): void {
    this.requests += 1;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    const counts = this.byRoute.get(route) ?? new Map<number, number>();
    counts.set(status, (counts.get(status) ?? 0) + 1);
    this.byRoute.set(route, counts);
  }

  /** `200×12 400×300 …` */
  static line(counts: Map<number, number>): string {
    return [...counts]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}×${count}`)
      .join(' ');
  }
}

/**
 * Checks answers and the digest. The digest is recomputed only when the database's change mark
 * moved, so a run of rejections costs one cheap query each.
 */
export class FuzzChecker {
  readonly stats = new FuzzStats();
  private mark: string | undefined;
  private digest: string | undefined;

  constructor(
    private readonly digester: Digester,
    private readonly credentials: Record<Identity, string | undefined>,
  ) {}

  private async freshDigest(): Promise<string> {
    this.stats.fullDigests += 1;
    return this.digester.digest();
  }

  /** Sends `request` through `transport`; returns what is wrong with the exchange ([] = fine). */
  async exchange(transport: Transport, request: FuzzRequest): Promise<string[]> {
    if (this.mark === undefined || this.digest === undefined) {
      this.mark = await this.digester.changeMark();
      this.digest = await this.freshDigest();
    }
    const response = await transport(request, this.credentials[request.identity]);
    this.stats.record(request.route, response.status);
    const problems = contractProblems(response, request);
    const mark = await this.digester.changeMark();
    if (mark !== this.mark) {
      const digest = await this.freshDigest();
      if (response.status >= 400 && digest !== this.digest) problems.push('the database changed');
      this.digest = digest;
      this.mark = mark;
    }
    if (problems.length === 0) return [];
    return [...problems, `request: ${describeRequest(request)}`, `answer: ${response.text.slice(0, 300)}`];
  }
}
