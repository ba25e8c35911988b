/**
 * The one place the web app talks HTTP: same-origin fetch with the session's access token as
 * `Authorization: Bearer` (like ChatGPT's web app), JSON bodies, errors as ApiError/NetworkError.
 * A 401 asks the session for a fresh token once and retries; if there is none the app signs out.
 */
import { ApiError, apiErrorFrom, isAbortError, NetworkError } from './api-error.js';

export interface AuthHooks {
  /** The current access token, if signed in. */
  token(): string | null;
  /** Called on a 401: returns true when a new token was obtained (the request is retried once). */
  refresh(): Promise<boolean>;
  /** Called when a 401 could not be fixed: the user must sign in again. */
  signedOut(): void;
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

let hooks: AuthHooks = { token: () => null, refresh: async () => false, signedOut: () => {} };

export function setAuthHooks(next: AuthHooks): void {
  hooks = next;
}

/** The session's access token, for the one request that cannot go through fetch (an upload's progress). */
export function currentAccessToken(): string | null {
  return hooks.token();
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 500) };
  }
}

function buildInit(options: RequestOptions): RequestInit {
  const headers: Record<string, string> = { ...options.headers };
  const token = hooks.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  return {
    method: options.method ?? (options.json === undefined ? 'GET' : 'POST'),
    headers,
    credentials: 'same-origin',
    ...(options.json !== undefined && { body: JSON.stringify(options.json) }),
    ...(options.signal && { signal: options.signal }),
  };
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  try {
    return await fetch(path, buildInit(options));
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new NetworkError();
  }
}

/**
 * Sends a request; returns the response when it is 2xx, throws ApiError otherwise. Only a 401 whose
 * session could not be refreshed signs the app out: a 401 that survives a fresh token is about the
 * request itself (e.g. a wrong current password), and is shown like any other error.
 */
export async function request(path: string, options: RequestOptions = {}): Promise<Response> {
  let response = await send(path, options);
  let sessionEnded = false;
  if (response.status === 401) {
    if (await hooks.refresh()) response = await send(path, options);
    else sessionEnded = true;
  }
  if (response.ok) return response;
  const error = apiErrorFrom(response.status, await readJson(response));
  if (sessionEnded) hooks.signedOut();
  throw error;
}

/** Sends a request and parses the JSON answer. */
export async function requestJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await request(path, options);
  return (await readJson(response)) as T;
}

export { ApiError };
