/** Archived chats (`GET conversations?is_archived=true`): open one, unarchive it, or delete it. */
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { useConversationList } from '../../hooks/use-conversation-list.js';
import { useInfiniteScroll } from '../../hooks/use-infinite-scroll.js';
import { ConversationListStore, type ConversationSummary } from '../../state/conversation-list-store.js';
import { Dialog } from '../ui/dialog.js';
import { ArchiveIcon, TrashIcon } from '../ui/icons.js';

interface ArchivedDialogProps {
  open: boolean;
  onClose: () => void;
  onOpenConversation: (id: string) => void;
  onUnarchived: (item: ConversationSummary) => void;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

export function ArchivedDialog({ open, onClose, onOpenConversation, onUnarchived }: ArchivedDialogProps) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: a fresh list every time the dialog opens
  const archived = useMemo(() => new ConversationListStore(true), [open]);
  const view = useConversationList(archived);
  const sentinel = useRef<HTMLDivElement>(null);
  const scrollRoot = useRef<HTMLDivElement>(null);
  const loadMore = useCallback(() => void archived.loadMore(), [archived]);
  useEffect(() => {
    if (open) loadMore();
  }, [open, loadMore]);
  useInfiniteScroll(sentinel, scrollRoot, open && view.loaded && view.hasMore && !view.loading, loadMore);
  return (
    <Dialog open={open} title="Archived chats" onClose={onClose} className="archived-dialog">
      <div className="dialog-body archived-body" ref={scrollRoot}>
        {view.loaded && view.items.length === 0 && <p className="muted">You have no archived chats.</p>}
        <ul className="archived-list" aria-label="Archived chats">
          {view.items.map((item) => (
            <li key={item.id} className="archived-item">
              <a
                href={`/c/${item.id}`}
                onClick={(event) => {
                  event.preventDefault();
                  onOpenConversation(item.id);
                }}
              >
                {item.title}
              </a>
              <span className="archived-date">{dateFormat.format(item.updateTime)}</span>
              <button
                type="button"
                className="icon-button small"
                aria-label="Unarchive"
                data-tooltip="Unarchive"
                onClick={() => void archived.archive(item.id, false).then(() => onUnarchived(item))}
              >
                <ArchiveIcon size={16} />
              </button>
              <button
                type="button"
                className="icon-button small danger"
                aria-label="Delete"
                data-tooltip="Delete"
                onClick={() => void archived.delete(item.id)}
              >
                <TrashIcon size={16} />
              </button>
            </li>
          ))}
        </ul>
        {view.loading && <span className="spinner" role="status" aria-label="Loading" />}
        <div ref={sentinel} />
      </div>
    </Dialog>
  );
}
