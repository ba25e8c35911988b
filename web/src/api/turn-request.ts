/**
 * The body of `POST /backend-api/conversation` with the fields and key order of ChatGPT's Dec-2023
 * web app (docs/web-ui.md describes the first turn, later turns and each action).
 */

export type TurnAction = 'next' | 'variant' | 'continue';

export interface TurnRequestInput {
  action: TurnAction;
  /** The user message (`next`: a new id; `variant`: the existing user message); none for `continue`. */
  message: { id: string; text: string } | null;
  /** Absent on the first turn of a new conversation. */
  conversationId: string | null;
  parentMessageId: string;
  model: string;
  /** The starter prompts shown (first turn only; `[]` afterwards). */
  suggestions: string[];
  temporary: boolean;
}

export function turnRequestBody(input: TurnRequestInput): Record<string, unknown> {
  const messages = input.message
    ? [
        {
          id: input.message.id,
          author: { role: 'user' },
          content: { content_type: 'text', parts: [input.message.text] },
          metadata: {},
        },
      ]
    : [];
  return {
    action: input.action,
    messages,
    ...(input.conversationId !== null && { conversation_id: input.conversationId }),
    parent_message_id: input.parentMessageId,
    model: input.model,
    timezone_offset_min: new Date().getTimezoneOffset(),
    suggestions: input.suggestions,
    history_and_training_disabled: input.temporary,
    arkose_token: null,
    conversation_mode: { kind: 'primary_assistant' },
    force_paragen: false,
    force_rate_limit: false,
  };
}
