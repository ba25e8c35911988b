/** Client-side routes: `/` (new chat) and `/c/:conversationId`, with history.pushState. */

export type Route = { name: 'new-chat' } | { name: 'conversation'; conversationId: string };

type Listener = () => void;
const listeners = new Set<Listener>();
let current = parse(window.location.pathname);

export function parse(pathname: string): Route {
  const match = /^\/c\/([^/]+)\/?$/.exec(pathname);
  if (match?.[1]) return { name: 'conversation', conversationId: decodeURIComponent(match[1]) };
  return { name: 'new-chat' };
}

export function pathOf(route: Route): string {
  return route.name === 'conversation' ? `/c/${encodeURIComponent(route.conversationId)}` : '/';
}

function update(): void {
  const next = parse(window.location.pathname);
  const same =
    next.name === current.name &&
    (next.name !== 'conversation' ||
      (current.name === 'conversation' && current.conversationId === next.conversationId));
  if (same) return;
  current = next;
  for (const listener of [...listeners]) listener();
}

window.addEventListener('popstate', update);

export const subscribeRoute = (listener: Listener): (() => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

export const currentRoute = (): Route => current;

/** Goes to `route` (a new history entry unless `replace`). */
export function navigate(route: Route, replace = false): void {
  const path = pathOf(route);
  if (window.location.pathname !== path) {
    if (replace) window.history.replaceState(null, '', path);
    else window.history.pushState(null, '', path);
  }
  update();
}
