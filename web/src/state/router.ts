/**
 * Client-side routes: `/` (new chat), `/c/:conversationId`, `/invite/:token` (sign up with an
 * invite link), `/share/:shareId` (a shared conversation, signed out too) and
 * `/share/:shareId/continue` (copy it into the signed-in user's history), with history.pushState.
 */

export type Route =
  | { name: 'new-chat' }
  | { name: 'conversation'; conversationId: string }
  | { name: 'invite'; token: string }
  | { name: 'share'; shareId: string }
  | { name: 'share-continue'; shareId: string };

type Listener = () => void;
const listeners = new Set<Listener>();
let current = parse(window.location.pathname);

function segment(pathname: string, prefix: string): string | null {
  const match = new RegExp(`^/${prefix}/([^/]+)/?$`).exec(pathname);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

export function parse(pathname: string): Route {
  const conversationId = segment(pathname, 'c');
  if (conversationId !== null) return { name: 'conversation', conversationId };
  const token = segment(pathname, 'invite');
  if (token !== null) return { name: 'invite', token };
  const shareId = segment(pathname, 'share');
  if (shareId !== null) return { name: 'share', shareId };
  const continued = /^\/share\/([^/]+)\/continue\/?$/.exec(pathname)?.[1];
  if (continued !== undefined) {
    try {
      return { name: 'share-continue', shareId: decodeURIComponent(continued) };
    } catch {
      return { name: 'new-chat' };
    }
  }
  return { name: 'new-chat' };
}

export function pathOf(route: Route): string {
  switch (route.name) {
    case 'conversation':
      return `/c/${encodeURIComponent(route.conversationId)}`;
    case 'invite':
      return `/invite/${encodeURIComponent(route.token)}`;
    case 'share':
      return `/share/${encodeURIComponent(route.shareId)}`;
    case 'share-continue':
      return `/share/${encodeURIComponent(route.shareId)}/continue`;
    case 'new-chat':
      return '/';
  }
}

function update(): void {
  const next = parse(window.location.pathname);
  if (pathOf(next) === pathOf(current)) return;
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
