/**
 * Request schemas of backend-api (zod). Unknown keys are tolerated (clients send many we ignore;
 * docs/api.md, "The conversation stream") but never copied anywhere: handlers read only the fields
 * named here.
 */
import { z } from 'zod';
import { type LatencyMetricWireName, latencyMetricWireNames } from './latency-metrics.js';

/**
 * A UUID-shaped id: five groups of 8-4-4-4-12 letters or digits. Deliberately not stricter: the
 * recorded request bodies of ChatGPT's December-2023 web app (test/fixtures/seed/) carry redacted tails
 * (`…7be26db9xxxx`) and must replay as sent (docs/decisions/2026-11-26-client-ids.md). Stored verbatim.
 */
export const clientIdSchema = z
  .string()
  .regex(/^[0-9a-zA-Z]{8}-[0-9a-zA-Z]{4}-[0-9a-zA-Z]{4}-[0-9a-zA-Z]{4}-[0-9a-zA-Z]{12}$/, 'must be a UUID');

export function isClientId(value: string): boolean {
  return clientIdSchema.safeParse(value).success;
}

/** NUL and unpaired surrogates cannot be stored in PostgreSQL text columns: refuse them up front. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing NUL is the point
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A string bound for a plain text column (titles, names, feedback…). */
export function storableText(max: number) {
  return z
    .string()
    .max(max)
    .refine((value) => !unstorable.test(value), 'must not contain NUL characters or unpaired surrogates');
}

/** `conversation_id` absent, null and "" all mean "new conversation" (docs/api.md). */
const optionalIdSchema = z
  .union([clientIdSchema, z.literal(''), z.null()])
  .optional()
  .transform((value) => value || null);

const roleSchema = z.enum(['user', 'system', 'assistant', 'tool']);

const maxParts = 64;
const maxTextChars = 400_000;

/**
 * A free-form object whose JSON is at most `maxBytes` UTF-8 bytes (the body cap alone would let one
 * field take the whole MiB).
 */
function boundedObject<T extends z.ZodType<Record<string, unknown>>>(schema: T, maxBytes: number) {
  return schema.refine(
    (value) => Buffer.byteLength(JSON.stringify(value)) <= maxBytes,
    `must be at most ${maxBytes / 1024} KB as JSON`,
  );
}

const contentSchema = z.looseObject({
  content_type: z.literal('text', { error: 'only "text" content is supported' }),
  parts: z
    .array(z.string().max(maxTextChars, `each part must be at most ${maxTextChars} characters`), {
      error: (issue) => (issue.code === 'invalid_type' ? 'must be an array of strings' : undefined),
    })
    .min(1, 'needs at least one part')
    .max(maxParts, `at most ${maxParts} parts`),
});

const clientMessageSchema = z
  .looseObject({
    id: clientIdSchema.optional().nullable(),
    author: z.looseObject({ role: roleSchema }).optional(),
    /** npm-chatgpt and browser-client send the role here, with no `author` (docs/api.md). */
    role: roleSchema.optional(),
    content: contentSchema,
    metadata: boundedObject(z.record(z.string(), z.unknown()), 16 * 1024).nullish(),
  })
  .refine((message) => message.author !== undefined || message.role !== undefined, {
    message: 'needs author.role (or role)',
    path: ['author'],
  })
  .refine((message) => (message.author?.role ?? message.role) === 'user', {
    message: 'only user messages can be sent',
    path: ['author', 'role'],
  });

export const conversationRequestSchema = z
  .looseObject({
    action: z.enum(['next', 'variant', 'continue'], {
      error: 'action must be one of "next", "variant", "continue"',
    }),
    messages: z.array(clientMessageSchema).max(1, 'send one message per request').optional(),
    conversation_id: optionalIdSchema,
    parent_message_id: optionalIdSchema,
    model: z.string().min(1).max(200).optional().nullable(),
    timezone_offset_min: z.number().int().min(-1440).max(1440).optional().nullable(),
    suggestions: z.array(z.string().max(4000)).max(16).optional().nullable(),
    history_and_training_disabled: z.boolean().optional().nullable(),
    arkose_token: z.string().max(20_000).optional().nullable(),
    /** Stored with the conversation as sent. */
    conversation_mode: boundedObject(z.looseObject({ kind: z.string().max(100) }), 4 * 1024)
      .optional()
      .nullable(),
    force_paragen: z.boolean().optional().nullable(),
    force_rate_limit: z.boolean().optional().nullable(),
  })
  .superRefine((body, context) => {
    const count = body.messages?.length ?? 0;
    if (body.action === 'continue' && count > 0) {
      context.addIssue({ code: 'custom', path: ['messages'], message: 'must be empty for action "continue"' });
    }
    if (body.action !== 'continue' && count !== 1) {
      context.addIssue({
        code: 'custom',
        path: ['messages'],
        message: `needs exactly one message for action "${body.action}"`,
      });
    }
  });

export type ConversationRequest = z.infer<typeof conversationRequestSchema>;

export const conversationPatchSchema = z
  .looseObject({
    title: storableText(200).pipe(z.string().trim().min(1, 'must not be empty')).optional(),
    is_visible: z.boolean().optional(),
    is_archived: z.boolean().optional(),
    /** backchat extension: the branch the user is looking at (sibling switching in the web UI). */
    current_node: clientIdSchema.optional(),
  })
  .refine((body) => [body.title, body.is_visible, body.is_archived, body.current_node].some((v) => v !== undefined), {
    message: 'needs one of title, is_visible, is_archived, current_node',
  });

/** Bulk changes: `{"is_visible": false}` hides every conversation, `{"is_archived": true}` archives them. */
export const conversationsPatchSchema = z
  .looseObject({ is_visible: z.literal(false).optional(), is_archived: z.literal(true).optional() })
  .refine((body) => body.is_visible !== undefined || body.is_archived !== undefined, {
    message: 'send {"is_visible": false} (delete all) or {"is_archived": true} (archive all)',
  });

/** Query of `GET conversations`; strings because they come from the URL. */
export const conversationListQuerySchema = z.looseObject({
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(28),
  order: z.enum(['updated', 'created']).default('updated'),
  is_archived: z.enum(['true', 'false']).default('false'),
});

/**
 * `?tail=N[&anchor=<node id>|&before=<cursor>]` of `GET conversation/{id}`: the windowed form, a backchat
 * extension (docs/api.md). Present only when one of its keys is.
 */
export const conversationWindowQuerySchema = z.looseObject({
  tail: z.coerce
    .number({ error: 'must be a whole number from 1 to 500' })
    .int('must be a whole number from 1 to 500')
    .min(1, 'must be a whole number from 1 to 500')
    .max(500, 'must be a whole number from 1 to 500'),
  anchor: z.string().min(1).max(200, 'must be at most 200 characters').optional(),
  before: z.string().min(1).max(400, 'must be at most 400 characters').optional(),
});

export const promptLibraryQuerySchema = z.looseObject({
  limit: z.coerce.number().int().min(1).max(100).default(4),
  offset: z.coerce.number().int().min(-1_000_000).max(1_000_000).default(0),
});

/** `?model=` of `conversation_limit`: any client slug (resolved like a turn's `model`). */
export const conversationLimitQuerySchema = z.looseObject({
  model: z.string().min(1).max(200, 'must be at most 200 characters').optional(),
});

/** An event id to resume after (`Last-Event-ID`, `?last_event_id=`, resume's `offset`). */
const eventIdSchema = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(Number.MAX_SAFE_INTEGER);

/** `POST …/conversation/resume` (docs/api.md, "Answers that outlive their connection"). */
export const resumeRequestSchema = z.looseObject({
  conversation_id: clientIdSchema,
  offset: eventIdSchema.optional(),
});

/** `GET …/conversation/{id}/stream?last_event_id=n`. */
export const attachQuerySchema = z.looseObject({
  last_event_id: eventIdSchema.optional(),
});

/** The `Last-Event-ID` header. */
export const lastEventIdSchema = eventIdSchema;

export const genTitleSchema = z.looseObject({
  message_id: clientIdSchema.optional(),
  model: z.string().max(200).optional().nullable(),
});

export const messageFeedbackSchema = z.looseObject({
  message_id: clientIdSchema,
  conversation_id: clientIdSchema,
  rating: z
    .string()
    .transform((rating) => rating.charAt(0).toLowerCase() + rating.slice(1))
    .pipe(z.enum(['thumbsUp', 'thumbsDown'], { error: 'rating must be "thumbsUp" or "thumbsDown"' })),
  text: storableText(10_000).optional().nullable(),
  tags: z.array(storableText(100)).max(20).optional().nullable(),
});

const optionalMs = z.number().finite().min(0).max(86_400_000).optional().nullable();
const optionalTokenCount = z.number().int().min(0).max(10_000_000).optional().nullable();

/** Each latency figure of a `lat/r` body: a token count or milliseconds, optional. */
const latencyMetricSchemas = Object.fromEntries(
  Object.values(latencyMetricWireNames).map((name) => [
    name,
    name === 'count_tokens' ? optionalTokenCount : optionalMs,
  ]),
) as Record<LatencyMetricWireName, typeof optionalMs>;

export const latencyReportSchema = z.looseObject({
  server_request_id: storableText(200).optional().nullable(),
  model: storableText(200).optional().nullable(),
  ...latencyMetricSchemas,
});

export type LatencyReportBody = z.infer<typeof latencyReportSchema>;

export const loginSchema = z.looseObject({
  email: storableText(320).pipe(z.string().trim().min(3)),
  password: z.string().min(1).max(1000),
});

export const setupSchema = z.looseObject({
  name: storableText(200).optional().nullable(),
  email: storableText(320).pipe(z.string().trim().min(3)),
  password: z.string().min(1).max(1000),
});

/** Turns the first zod issue into a sentence naming the field: `messages.0.content.parts: …`. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid request body';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
