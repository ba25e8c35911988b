/**
 * The web app's first request for a conversation: the last `firstWindowSize` messages of its current
 * branch (`GET /backend-api/conversation/{id}?tail=100`, docs/api.md "Windowed conversation"). One
 * definition for both sides: the server names this exact URL in a preload hint on `/c/{id}`
 * (docs/web-ui.md, "Opening a conversation") and the browser reuses that response only when the
 * app asks for the same URL.
 */

/** Messages in the first window: a few screenfuls, so opening a conversation costs the same however long it is. */
export const firstWindowSize = 100;

export function firstWindowPath(conversationId: string): string {
  return `/backend-api/conversation/${encodeURIComponent(conversationId)}?tail=${firstWindowSize}`;
}
