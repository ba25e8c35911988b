/** Editing a sent prompt in place: Send creates a new branch (action `next` beside the original). */
import { useEffect, useRef, useState } from 'react';

interface EditorProps {
  initialText: string;
  onCancel: () => void;
  onSubmit: (text: string) => void;
}

export function UserMessageEditor({ initialText, onCancel, onSubmit }: EditorProps) {
  const [text, setText] = useState(initialText);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const area = ref.current;
    if (!area) return;
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the height follows the text
  useEffect(() => {
    const area = ref.current;
    if (!area) return;
    area.style.height = 'auto';
    area.style.height = `${Math.min(area.scrollHeight, 400)}px`;
  }, [text]);
  const submit = () => {
    if (text.trim()) onSubmit(text);
  };
  return (
    <div className="message-editor">
      <textarea
        ref={ref}
        aria-label="Edit message text"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.stopPropagation();
            onCancel();
          } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            submit();
          }
        }}
      />
      <div className="message-editor-actions">
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-primary" disabled={!text.trim()} onClick={submit}>
          Send
        </button>
      </div>
    </div>
  );
}
