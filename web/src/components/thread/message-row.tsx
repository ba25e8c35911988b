/**
 * One message of the thread: `<article data-message-id data-role>` with its markdown in `.markdown`.
 * Memoised and subscribed to its own item only, so a streamed token re-renders the streaming
 * message and nothing else.
 */
import { memo, useState } from 'react';
import { benchMode, countRender, memoDisabled } from '../../bench/render-counter';
import { useThreadItem } from '../../hooks/use-thread';
import { useServices } from '../../state/app-services';
import type { DisplayItem } from '../../state/display-items';
import type { ThreadStore } from '../../state/thread-store';
import { AlertIcon, EditIcon, LogoMark, RegenerateIcon, ThumbDownIcon, ThumbUpIcon } from '../ui/icons';
import { BranchSwitcher } from './branch-switcher';
import { CopyButton } from './copy-button';
import { MessageBody } from './message-body';
import { UserMessageEditor } from './user-message-editor';

interface RowProps {
  store: ThreadStore;
  itemKey: string;
}

interface MessageProps {
  store: ThreadStore;
  item: DisplayItem;
}

function UserMessage({ store, item }: MessageProps) {
  const { controller } = useServices();
  const [editing, setEditing] = useState(false);
  return (
    <article className={`message message-user${editing ? ' editing' : ''}`} data-message-id={item.id} data-role="user">
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
            <MessageBody text={item.text} streaming={false} />
          </div>
          <div className="message-actions">
            <BranchSwitcher
              index={item.siblingIndex}
              count={item.siblingCount}
              disabled={false}
              onStep={(step) => controller.switchBranch(store, item, step)}
            />
            <button
              type="button"
              className="icon-button small"
              aria-label="Edit message"
              data-tooltip="Edit message"
              onClick={() => setEditing(true)}
            >
              <EditIcon size={16} />
            </button>
          </div>
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

function AnswerActions({ store, item }: MessageProps) {
  const { controller } = useServices();
  const rate = (rating: 'thumbsUp' | 'thumbsDown') => void controller.rate(store, item, rating).catch(() => {});
  return (
    <div className="message-actions">
      <BranchSwitcher
        index={item.siblingIndex}
        count={item.siblingCount}
        disabled={false}
        onStep={(step) => controller.switchBranch(store, item, step)}
      />
      <CopyButton text={item.text} label="Copy message" />
      <button
        type="button"
        className="icon-button small"
        aria-label="Good response"
        aria-pressed={item.feedback === 'thumbsUp'}
        data-tooltip="Good response"
        onClick={() => rate('thumbsUp')}
      >
        <ThumbUpIcon size={16} />
      </button>
      <button
        type="button"
        className="icon-button small"
        aria-label="Bad response"
        aria-pressed={item.feedback === 'thumbsDown'}
        data-tooltip="Bad response"
        onClick={() => rate('thumbsDown')}
      >
        <ThumbDownIcon size={16} />
      </button>
      <button
        type="button"
        className="icon-button small"
        aria-label="Regenerate"
        data-tooltip="Regenerate"
        onClick={() => controller.regenerate(store, item)}
      >
        <RegenerateIcon size={16} />
      </button>
    </div>
  );
}

function AnswerProblem({ store, item }: MessageProps) {
  const { controller } = useServices();
  if (item.status === 'stopped') return <p className="message-note">Stopped</p>;
  if (item.status !== 'failed') return null;
  return (
    <div className="message-error" role="alert">
      <AlertIcon size={18} />
      <span>{item.errorText ?? 'The answer did not finish.'}</span>
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

function AssistantMessage({ store, item }: MessageProps) {
  const streaming = item.status === 'streaming';
  return (
    <article
      className="message message-assistant"
      data-message-id={item.id}
      data-role="assistant"
      data-status={item.status}
      aria-busy={streaming}
    >
      <div className="assistant-avatar" aria-hidden="true">
        <LogoMark size={28} />
      </div>
      <div className="assistant-content">
        <h3 className="sr-only">backchat said:</h3>
        {streaming && item.text === '' ? <TypingIndicator /> : <MessageBody text={item.text} streaming={streaming} />}
        <AnswerProblem store={store} item={item} />
        {!streaming && <AnswerActions store={store} item={item} />}
      </div>
    </article>
  );
}

function MessageRowView({ store, itemKey }: RowProps) {
  const item = useThreadItem(store, itemKey);
  if (benchMode) countRender(itemKey);
  if (!item) return null;
  return item.role === 'user' ? (
    <UserMessage store={store} item={item} />
  ) : (
    <AssistantMessage store={store} item={item} />
  );
}

export const MessageRow = memoDisabled ? MessageRowView : memo(MessageRowView);
