/**
 * The Segment analytics.js batch ChatGPT's web app posts to `/ces/v1/b` once the starter prompts are
 * shown (docs/web-ui.md). Sent only when both the user's setting and the server's
 * `analytics_enabled` allow it.
 */
import { randomHex, uuidV4 } from '../lib/ids.js';
import { readStorage, writeStorage } from '../lib/local-storage.js';
import { request } from './http-client.js';

const anonymousIdKey = 'ajs_anonymous_id';
const libraryVersion = 'backchat-web-0.1.0';

/** analytics.js's persisted anonymous id (a random UUID, kept in localStorage). */
export function anonymousId(): string {
  const stored = readStorage(anonymousIdKey);
  if (stored && /^[0-9a-f-]{36}$/.test(stored)) return stored;
  const fresh = uuidV4();
  writeStorage(anonymousIdKey, fresh);
  return fresh;
}

function pageContext() {
  return {
    page: {
      path: window.location.pathname,
      referrer: document.referrer,
      search: window.location.search,
      title: document.title,
      url: window.location.href,
    },
    userAgent: navigator.userAgent,
    locale: navigator.language,
    library: { name: 'analytics.js', version: libraryVersion },
  };
}

/** One `track` event with the fields ChatGPT's web app puts in its Segment batch. */
export function trackEvent(userId: string, event: string, properties: Record<string, unknown>) {
  return {
    timestamp: new Date().toISOString(),
    integrations: { 'Segment.io': true },
    userId,
    anonymousId: anonymousId(),
    event,
    type: 'track',
    properties,
    context: pageContext(),
    messageId: `ajs-next-${randomHex(32)}`,
    _metadata: { bundled: ['Segment.io'], unbundled: [], bundledIds: [] },
  };
}

/** The "Show Starter Prompts" event for the prompts shown on a new chat. */
export function starterPromptsEvent(userId: string, titles: string[]) {
  return trackEvent(userId, 'Show Starter Prompts', {
    prompt_count: titles.length,
    prompt_type: 'starter',
    titles,
    origin: 'chat',
    openai_app: 'API',
  });
}

/** Posts one batch; failures are ignored (analytics never gets in the way). */
export async function sendAnalyticsBatch(events: unknown[]): Promise<void> {
  try {
    await request('/ces/v1/b', { json: { batch: events, sentAt: new Date().toISOString() } });
  } catch {
    // Telemetry is best effort.
  }
}
