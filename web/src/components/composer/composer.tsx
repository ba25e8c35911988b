/**
 * The message box: grows with its text, Enter sends, Shift+Enter adds a line, and while an answer
 * streams the send button becomes "Stop generating".
 */
import { type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { SendIcon, StopIcon } from '../ui/icons.js';

interface ComposerProps {
  busy: boolean;
  disabled?: boolean;
  placeholder: string;
  onSend: (text: string) => void;
  onStop: () => void;
  /** Focus the box when it appears (desktop; on phones it would pop the keyboard up). */
  autoFocus?: boolean;
}

const maxHeight = 200;

export function Composer({ busy, disabled, placeholder, onSend, onStop, autoFocus }: ComposerProps) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (autoFocus) ref.current?.focus();
  }, [autoFocus]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the height follows the text
  useLayoutEffect(() => {
    const area = ref.current;
    if (!area) return;
    area.style.height = 'auto';
    area.style.height = `${Math.min(area.scrollHeight, maxHeight)}px`;
    area.style.overflowY = area.scrollHeight > maxHeight ? 'auto' : 'hidden';
  }, [text]);

  const canSend = text.trim() !== '' && !busy && !disabled;
  const send = () => {
    if (!canSend) return;
    onSend(text);
    setText('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    send();
  };

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <textarea
        ref={ref}
        aria-label="Message"
        rows={1}
        value={text}
        placeholder={placeholder}
        disabled={disabled}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      {busy ? (
        <button type="button" className="composer-button stop" aria-label="Stop generating" onClick={onStop}>
          <StopIcon />
        </button>
      ) : (
        <button type="submit" className="composer-button" aria-label="Send message" disabled={!canSend}>
          <SendIcon size={18} />
        </button>
      )}
    </form>
  );
}
