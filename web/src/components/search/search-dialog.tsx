/**
 * Search chats (Ctrl/Cmd+K or the sidebar's button): a modal dialog with a combobox input and a
 * listbox of hits — title, the snippet with its matched terms in <mark> (React text nodes, never
 * HTML), "Archived" — chosen with the arrow keys and Enter or a click; "Load more" follows the
 * cursor. Escape closes; focus returns where it was.
 */
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { type SearchHit, snippetParts } from '../../api/search-api.js';
import { useSearch } from '../../hooks/use-search.js';
import { formatDate } from '../../lib/relative-time.js';
import { CloseIcon, SearchIcon } from '../ui/icons.js';

interface SearchDialogProps {
  onClose: () => void;
  onChoose: (hit: SearchHit) => void;
}

function Snippet({ hit }: { hit: SearchHit }) {
  const parts = snippetParts(hit.payload.snippet, hit.payload.snippet_highlights);
  return (
    <span className="search-hit-snippet">
      {parts.map((part, index) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one snippet never reorder
        part.match ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>,
      )}
    </span>
  );
}

function HitOption({
  hit,
  id,
  active,
  onChoose,
  onHover,
}: {
  hit: SearchHit;
  id: string;
  active: boolean;
  onChoose: () => void;
  onHover: () => void;
}) {
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox input handles the keys (aria-activedescendant)
    <div
      id={id}
      role="option"
      tabIndex={-1}
      aria-selected={active}
      className="search-hit"
      data-conversation-id={hit.conversation_id}
      onClick={onChoose}
      onMouseMove={onHover}
    >
      <span className="search-hit-head">
        <span className="search-hit-title">{hit.title || 'New chat'}</span>
        {hit.is_archived && <span className="badge badge-muted">Archived</span>}
        <span className="search-hit-date">{formatDate(new Date(hit.update_time * 1000).toISOString())}</span>
      </span>
      {hit.payload.snippet !== '' && <Snippet hit={hit} />}
    </div>
  );
}

export function SearchDialog({ onClose, onChoose }: SearchDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const search = useSearch();
  const [active, setActive] = useState(0);
  const listId = useId();
  const optionId = (index: number) => `${listId}-option-${index}`;

  // Modal at once (the top layer makes the page inert); focus goes back where it was on close.
  useLayoutEffect(() => {
    const dialog = ref.current;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog?.showModal();
    inputRef.current?.focus();
    return () => {
      // Closed first: while the dialog is modal the rest of the page is inert and cannot take focus.
      dialog?.close();
      if (previous?.isConnected) previous.focus();
    };
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new query starts again from the top hit
  useEffect(() => setActive(0), [search.searched]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after the active option changed
  useEffect(() => {
    listRef.current?.querySelector(`[aria-selected="true"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const { hits } = search;
  const choose = (index: number) => {
    const hit = hits[index];
    if (hit) onChoose(hit);
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (hits.length === 0) return;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((index) => (index + step + hits.length) % hits.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      choose(active);
    }
  };

  const trimmed = search.query.trim();
  const settled = !search.loading && trimmed === search.searched;
  return (
    <dialog
      ref={ref}
      className="dialog search-dialog"
      aria-label="Search chats"
      aria-modal="true"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => {
        if (event.target === ref.current) onClose();
      }}
      onKeyDown={(event) => event.stopPropagation()}
    >
      <div className="search-panel">
        <div className="search-input-row">
          <SearchIcon size={20} className="search-input-icon" />
          <input
            ref={inputRef}
            type="text"
            role="combobox"
            aria-label="Search chats"
            aria-expanded={hits.length > 0}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={hits.length > 0 ? optionId(active) : undefined}
            placeholder="Search chats…"
            autoComplete="off"
            spellCheck={false}
            maxLength={256}
            value={search.query}
            onChange={(event) => search.setQuery(event.target.value)}
            onKeyDown={onKeyDown}
          />
          {search.loading && <span className="spinner" role="status" aria-label="Searching" />}
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            <CloseIcon size={18} />
          </button>
        </div>
        <div className="search-results">
          <div ref={listRef} id={listId} role="listbox" aria-label="Search results" className="search-hit-list">
            {hits.map((hit, index) => (
              <HitOption
                key={hit.conversation_id}
                hit={hit}
                id={optionId(index)}
                active={index === active}
                onChoose={() => choose(index)}
                onHover={() => setActive(index)}
              />
            ))}
          </div>
          {search.error && (
            <p className="search-note search-error" role="alert">
              {search.error}
            </p>
          )}
          {trimmed === '' && <p className="search-note">Search the titles and messages of your chats.</p>}
          {trimmed !== '' && settled && !search.error && hits.length === 0 && (
            <p className="search-note" role="status">
              No chats match “{search.searched}”.
            </p>
          )}
          {search.hasMore && hits.length > 0 && (
            <div className="search-more">
              <button
                type="button"
                className="button button-secondary small"
                disabled={search.loading}
                onClick={search.loadMore}
              >
                Load more
              </button>
            </div>
          )}
        </div>
      </div>
    </dialog>
  );
}
