/**
 * The body of `GET /public-api/conversation_limit` (docs/api.md, "Limits") from a user's cap usage: the real
 * cap and window, disclaimers that state them, and backchat's extra `messages_used`,
 * `messages_remaining` and `clears_in`. No cap configured: the null shape
 * (docs/decisions/2026-11-26-conversation-limit.md).
 */
import type { CapUsage } from './message-caps.js';

export interface ConversationLimitBody {
  message_cap: number | null;
  /** Minutes. */
  message_cap_window: number | null;
  message_disclaimer: { textarea: string; model_switcher: string; 'model-switcher': string };
  messages_used?: number;
  messages_remaining?: number;
  /** Seconds until one more message is allowed; 0 when it is allowed now. */
  clears_in?: number;
}

export const noCapBody: ConversationLimitBody = {
  message_cap: null,
  message_cap_window: null,
  message_disclaimer: { textarea: '', model_switcher: '', 'model-switcher': '' },
};

/** 180 → "3 hours", 60 → "hour", 15 → "15 minutes", 1 → "minute" (as in "every …"). */
export function describeWindow(minutes: number): string {
  if (minutes % 60 === 0) return minutes === 60 ? 'hour' : `${minutes / 60} hours`;
  return minutes === 1 ? 'minute' : `${minutes} minutes`;
}

function disclaimers(usage: CapUsage, modelTitle: string | undefined): { textarea: string; switcher: string } {
  const messages = usage.cap === 1 ? '1 message' : `${usage.cap} messages`;
  const every = `every ${describeWindow(usage.windowMinutes)}`;
  if (modelTitle === undefined) {
    return {
      textarea: `You can send ${messages} ${every}.`,
      switcher: `You've reached the cap of ${messages} ${every}. Try again later.`,
    };
  }
  return {
    textarea: `${modelTitle} currently has a cap of ${messages} ${every}.`,
    switcher: `You've reached the ${modelTitle} cap of ${messages} ${every}. Try again later, or switch to another model.`,
  };
}

/** `modelTitle` names the model when `usage` is a model's own cap. */
export function conversationLimitBody(usage: CapUsage | undefined, modelTitle?: string): ConversationLimitBody {
  if (!usage) return noCapBody;
  const { textarea, switcher } = disclaimers(usage, usage.modelSlug === undefined ? undefined : modelTitle);
  return {
    message_cap: usage.cap,
    message_cap_window: usage.windowMinutes,
    message_disclaimer: { textarea, model_switcher: switcher, 'model-switcher': switcher },
    messages_used: usage.used,
    messages_remaining: Math.max(0, usage.cap - usage.used),
    clears_in: Math.ceil(usage.retryAfterMs / 1000),
  };
}
