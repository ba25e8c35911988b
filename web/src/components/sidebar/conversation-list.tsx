/**
 * The chat history (`<nav aria-label="Chat history">`): loaded pages only, grouped by date, with a
 * sentinel at the end that loads the next page of 28 as it scrolls into view.
 */
import { type RefObject, useCallback, useMemo, useRef } from 'react';
import { useConversationList } from '../../hooks/use-conversation-list.js';
import { useInfiniteScroll } from '../../hooks/use-infinite-scroll.js';
import { groupByDate } from '../../lib/date-groups.js';
import type { ConversationListStore } from '../../state/conversation-list-store.js';
import { type ConversationActions, ConversationItem } from './conversation-item.js';

interface ConversationListProps {
  list: ConversationListStore;
  activeId: string | null;
  actions: ConversationActions;
  scrollRoot: RefObject<HTMLElement | null>;
}

export function ConversationList({ list, activeId, actions, scrollRoot }: ConversationListProps) {
  const view = useConversationList(list);
  const sentinel = useRef<HTMLDivElement>(null);
  const loadMore = useCallback(() => void list.loadMore(), [list]);
  useInfiniteScroll(sentinel, scrollRoot, view.hasMore && !view.loading && view.error === null, loadMore);
  const groups = useMemo(() => groupByDate(view.items, (item) => item.updateTime, new Date()), [view.items]);
  return (
    <nav aria-label="Chat history" className="conversation-list">
      {groups.map((group) => (
        <section key={group.label} className="conversation-group">
          <h2 className="conversation-group-label">{group.label}</h2>
          <ol>
            {group.items.map((item) => (
              <ConversationItem key={item.id} item={item} active={item.id === activeId} actions={actions} />
            ))}
          </ol>
        </section>
      ))}
      {view.loaded && view.items.length === 0 && !view.hasMore && (
        <p className="conversation-empty">Your chats will appear here.</p>
      )}
      {view.error && (
        <p className="conversation-empty">
          Couldn’t load your chats.{' '}
          <button type="button" className="link-button" onClick={loadMore}>
            Try again
          </button>
        </p>
      )}
      {view.loading && (
        <div className="conversation-loading" role="status" aria-label="Loading chats">
          <span className="spinner" />
        </div>
      )}
      <div ref={sentinel} className="conversation-sentinel" />
    </nav>
  );
}
