/**
 * One chat in the sidebar: a link whose text is the title (always text, never HTML), an options
 * menu (Rename inline, Archive, Delete with confirmation). A freshly generated title types itself in.
 */
import { type MouseEvent, memo, useState } from 'react';
import { useTypewriter } from '../../hooks/use-typewriter.js';
import type { ConversationSummary } from '../../state/conversation-list-store.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { ArchiveIcon, DotsIcon, EditIcon, TrashIcon } from '../ui/icons.js';
import { Menu } from '../ui/menu.js';

export interface ConversationActions {
  open(id: string): void;
  rename(id: string, title: string): void;
  archive(id: string): void;
  remove(id: string): void;
}

interface ItemProps {
  item: ConversationSummary;
  active: boolean;
  actions: ConversationActions;
}

function RenameInput({ item, done }: { item: ConversationSummary; done: (title: string | null) => void }) {
  const [title, setTitle] = useState(item.title);
  const finish = () => done(title.trim() && title.trim() !== item.title ? title.trim() : null);
  return (
    <input
      className="conversation-rename"
      aria-label="Chat title"
      value={title}
      maxLength={200}
      // biome-ignore lint/a11y/noAutofocus: the user just chose "Rename"
      autoFocus
      onFocus={(event) => event.target.select()}
      onChange={(event) => setTitle(event.target.value)}
      onBlur={finish}
      onKeyDown={(event) => {
        if (event.key === 'Enter') finish();
        if (event.key === 'Escape') {
          event.stopPropagation();
          done(null);
        }
      }}
    />
  );
}

function ConversationItemView({ item, active, actions }: ItemProps) {
  const [renaming, setRenaming] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const title = useTypewriter(item.title, item.animateTitle);
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    actions.open(item.id);
  };
  return (
    <li className={`conversation-item${active ? ' active' : ''}`}>
      {renaming ? (
        <RenameInput
          item={item}
          done={(next) => {
            setRenaming(false);
            if (next) actions.rename(item.id, next);
          }}
        />
      ) : (
        <a href={`/c/${item.id}`} aria-current={active ? 'page' : undefined} onClick={onClick} title={item.title}>
          <span className="conversation-title">{title}</span>
        </a>
      )}
      <Menu
        placement="bottom-start"
        trigger={(props) => (
          <button type="button" className="conversation-options" aria-label="Conversation options" {...props}>
            <DotsIcon size={18} />
          </button>
        )}
        items={[
          { label: 'Rename', icon: <EditIcon size={16} />, onSelect: () => setRenaming(true) },
          { label: 'Archive', icon: <ArchiveIcon size={16} />, onSelect: () => actions.archive(item.id) },
          { label: 'Delete', icon: <TrashIcon size={16} />, danger: true, onSelect: () => setConfirming(true) },
        ]}
      />
      <ConfirmDialog
        open={confirming}
        title="Delete chat?"
        confirmLabel="Delete"
        danger
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          actions.remove(item.id);
        }}
      >
        <p>
          This will delete <strong>{item.title}</strong>.
        </p>
      </ConfirmDialog>
    </li>
  );
}

export const ConversationItem = memo(ConversationItemView);
