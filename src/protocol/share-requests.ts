/**
 * Request schemas of the share routes (docs/api.md, "Shares"). Like requests.ts: unknown keys are
 * tolerated and ignored; handlers read only the fields named here.
 */
import { z } from 'zod';
import { clientIdSchema, storableText } from './requests.js';

/** The largest page of `GET shared_conversations`. */
export const maxShareListLimit = 100;

/** `POST share/create`: share the branch ending at `current_node_id` (anonymous unless said otherwise). */
export const shareCreateSchema = z.looseObject({
  conversation_id: clientIdSchema,
  current_node_id: clientIdSchema,
  is_anonymous: z.boolean().default(true),
});

export type ShareCreateRequest = z.output<typeof shareCreateSchema>;

/** `PATCH share/{id}`: every field optional; `share_id`, when sent, must be the path's. */
export const sharePatchSchema = z.looseObject({
  share_id: clientIdSchema.optional(),
  highlighted_message_id: clientIdSchema.nullable().optional(),
  title: storableText(200).pipe(z.string().trim().min(1, 'must not be empty')).optional(),
  is_public: z.boolean().optional(),
  is_visible: z.boolean().optional(),
  is_anonymous: z.boolean().optional(),
});

export type SharePatchRequest = z.output<typeof sharePatchSchema>;

export const shareListQuerySchema = z.looseObject({
  order: z.enum(['created']).default('created'),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(maxShareListLimit).default(50),
});
