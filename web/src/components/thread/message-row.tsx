/**
 * One message of the thread: `<article data-message-id data-role>` with its markdown in `.markdown`.
 * Memoised and subscribed to its own item only, so a streamed token re-renders the streaming
 * message and nothing else. Far from the viewport a row is light (plain text, no action buttons);
 * it renders fully once it comes within a screenful or two.
 */
import { memo, useState } from 'react';
import { benchMode, countRender, memoDisabled } from '../../bench/render-counter.js';
import { useBudgetedFlag } from '../../hooks/use-budgeted-flag.js';
import { useMarkdownRenderer } from '../../hooks/use-markdown.js';
import { useThreadItem } from '../../hooks/use-thread.js';
import { useServices } from '../../state/app-services.js';
import type { DisplayItem } from '../../state/display-items.js';
import type { ThreadStore } from '../../state/thread-store.js';
import type { UnsupportedContent } from '../../state/thread-tree.js';
import { MaskIcon } from '../ui/mask-icon.js';
import { BranchSwitcher } from './branch-switcher.js';
import { CopyButton } from './copy-button.js';
import { MessageBody, UserText } from './message-body.js';
import { UserMessageEditor } from './user-message-editor.js';

interface RowProps {
  store: ThreadStore;
  itemKey: string;
  /** The row's chunk is near the visible area: render fully (markdown, buttons). */
  chunkNear: boolean;
}

interface MessageProps {
  store: ThreadStore;
  item: DisplayItem;
  near: boolean;
}

/** Content the app cannot render yet (kept from an import): its type and its text, as plain text. */
export function UnsupportedBlocks({ contents }: { contents: readonly UnsupportedContent[] }) {
  return contents.map((content, index) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: the blocks of one item never reorder
    <div key={index} className="unsupported-content" data-content-type={content.contentType}>
      <span className="unsupported-label">Unsupported content ({content.contentType})</span>
      {content.text !== '' && <pre className="unsupported-text">{content.text}</pre>}
    </div>
  ));
}

/** Room for the action bar of a row that does not render its buttons yet (keeps heights stable). */
function ActionsPlaceholder() {
  return <div className="message-actions" aria-hidden="true" />;
}

function UserActions({ store, item, edit }: { store: ThreadStore; item: DisplayItem; edit: () => void }) {
  return (
    <div className="message-actions">
      <BranchSwitcher store={store} item={item} />
      <button
        type="button"
        className="icon-button small"
        aria-label="Edit message"
        data-tooltip="Edit message"
        onClick={edit}
      >
        <MaskIcon name="edit" />
      </button>
    </div>
  );
}

function UserMessage({ store, item, near }: MessageProps) {
  const { controller } = useServices();
  const [editing, setEditing] = useState(false);
  return (
    <article
      className={`message message-user${editing ? ' editing' : ''}${item.isLast ? ' last' : ''}`}
      data-message-id={item.id}
      data-role="user"
    >
      <h3 className="sr-only">You said:</h3>
      {editing ? (
        <UserMessageEditor
          initialText={item.text}
          onCancel={() => setEditing(false)}
          onSubmit={(text) => {
            setEditing(false);
            controller.edit(store, item, text);
          }}
        />
      ) : (
        <>
          <div className="user-bubble">
            {(item.text !== '' || item.unsupported.length === 0) && <UserText text={item.text} />}
            <UnsupportedBlocks contents={item.unsupported} />
          </div>
          {near ? <UserActions store={store} item={item} edit={() => setEditing(true)} /> : <ActionsPlaceholder />}
        </>
      )}
    </article>
  );
}

function TypingIndicator() {
  return (
    <div className="typing-indicator" role="status" aria-label="backchat is writing">
      <span />
    </div>
  );
}

function RatingButton({
  item,
  rating,
  onRate,
}: {
  item: DisplayItem;
  rating: 'thumbsUp' | 'thumbsDown';
  onRate: () => void;
}) {
  const label = rating === 'thumbsUp' ? 'Good response' : 'Bad response';
  return (
    <button
      type="button"
      className="icon-button small"
      aria-label={label}
      aria-pressed={item.feedback === rating}
      data-tooltip={label}
      onClick={onRate}
    >
      <MaskIcon name={rating === 'thumbsUp' ? 'thumb-up' : 'thumb-down'} />
    </button>
  );
}

function AnswerActions({ store, item }: { store: ThreadStore; item: DisplayItem }) {
  const { controller } = useServices();
  const rate = (rating: 'thumbsUp' | 'thumbsDown') => void controller.rate(store, item, rating).catch(() => {});
  return (
    <div className="message-actions">
      <BranchSwitcher store={store} item={item} />
      <CopyButton
        text={item.text || item.unsupported.map((content) => content.text).join('\n\n')}
        label="Copy message"
      />
      <RatingButton item={item} rating="thumbsUp" onRate={() => rate('thumbsUp')} />
      <RatingButton item={item} rating="thumbsDown" onRate={() => rate('thumbsDown')} />
      <button
        type="button"
        className="icon-button small"
        aria-label="Regenerate"
        data-tooltip="Regenerate"
        onClick={() => controller.regenerate(store, item)}
      >
        <MaskIcon name="regenerate" />
      </button>
    </div>
  );
}

function AnswerProblem({ store, item }: { store: ThreadStore; item: DisplayItem }) {
  const { controller } = useServices();
  if (item.status === 'stopped') return <p className="message-note">Stopped</p>;
  if (item.status !== 'failed') return null;
  return (
    <div className="message-error" role="alert">
      <MaskIcon name="alert" size={18} />
      <span className="message-error-text">{item.errorText ?? 'The answer did not finish.'}</span>
      <button
        type="button"
        className="button button-secondary small"
        onClick={() => controller.regenerate(store, item)}
      >
        Retry
      </button>
    </div>
  );
}

function AssistantMessage({ store, item, near }: MessageProps) {
  const streaming = item.status === 'streaming';
  return (
    <article
      className={`message message-assistant${item.isLast ? ' last' : ''}`}
      data-message-id={item.id}
      data-role="assistant"
      data-status={item.status}
      aria-busy={streaming}
    >
      <div className="assistant-avatar" aria-hidden="true">
        <MaskIcon name="logo" size={20} />
      </div>
      <div className="assistant-content">
        <h3 className="sr-only">backchat said:</h3>
        {streaming && item.text === '' ? (
          <TypingIndicator />
        ) : (
          (item.text !== '' || item.unsupported.length === 0) && (
            <MessageBody text={item.text} streaming={streaming} near={near} />
          )
        )}
        <UnsupportedBlocks contents={item.unsupported} />
        <AnswerProblem store={store} item={item} />
        {!streaming && (near ? <AnswerActions store={store} item={item} /> : <ActionsPlaceholder />)}
      </div>
    </article>
  );
}

function MessageRowView({ store, itemKey, chunkNear }: RowProps) {
  const item = useThreadItem(store, itemKey);
  // Rows wait for the markdown renderer before they count as near: when it arrives, the last message
  // (eager) renders at once and the others take their turns within the frame budget, instead of every
  // near row rendering its markdown in the one task that follows the renderer's arrival.
  const rendererReady = useMarkdownRenderer() !== null;
  const near = useBudgetedFlag(chunkNear && rendererReady, item?.isLast === true || item?.status === 'streaming');
  if (benchMode) countRender(itemKey);
  if (!item) return null;
  const props = { store, item, near };
  return item.role === 'user' ? <UserMessage {...props} /> : <AssistantMessage {...props} />;
}

export const MessageRow = memoDisabled ? MessageRowView : memo(MessageRowView);
