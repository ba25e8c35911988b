/**
 * The one delegated click handler for the copy buttons inside rendered markdown
 * (`.code-block .copy-code`): copies the block's code text and says "Copied!" for a moment.
 */
import type { MouseEvent } from 'react';
import { copyText } from '../../lib/clipboard.js';

export function handleCodeCopyClick(event: MouseEvent<HTMLElement>): void {
  const target = event.target as Element | null;
  const button = target?.closest<HTMLButtonElement>('.copy-code');
  if (!button) return;
  const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
  void copyText(code).then((copied) => {
    if (!copied) return;
    const label = button.textContent;
    button.textContent = 'Copied!';
    button.classList.add('copied');
    setTimeout(() => {
      button.textContent = label;
      button.classList.remove('copied');
    }, 2000);
  });
}
