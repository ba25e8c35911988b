/** Request parsing shared by the routes: path ids, bodies and query strings → typed values or a 400. */
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { InvalidRequestError } from '../../domain-errors.js';
import { resourceIdSchema } from '../../protocol/account-requests.js';
import { clientIdSchema, describeZodError } from '../../protocol/requests.js';

/** The `:id` path parameter, which must look like a UUID (400 otherwise). */
export function pathId(request: FastifyRequest, name = 'id'): string {
  const value = (request.params as Record<string, string | undefined>)[name] ?? '';
  const parsed = clientIdSchema.safeParse(value);
  if (!parsed.success) throw new InvalidRequestError(`${name} in the path must be a UUID`);
  return parsed.data;
}

/** Parses with `schema` (a missing body counts as `{}`); a failure is a 400 naming the field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value === undefined ? {} : value);
  if (!parsed.success) throw new InvalidRequestError(describeZodError(parsed.error));
  return parsed.data;
}

/** Query strings: like parseWith, and `key[]=…`-style parameters are refused by name. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const bracketed = Object.keys(query ?? {}).find((key) => key.includes('['));
  if (bracketed !== undefined)
    throw new InvalidRequestError(`${bracketed.split('[')[0]}: array-style query parameters are not supported`);
  return parseWith(schema, query);
}

/** The `:id` of a session, token, user or invite (not UUID-checked: an unknown id is simply not found). */
export function resourceId(request: FastifyRequest): string {
  return parseWith(resourceIdSchema, (request.params as { id?: unknown }).id);
}
