/**
 * Scrolls the thread to one message and lights it up briefly (a search hit). The row may not be in
 * the page yet — older chunks mount while the browser is idle — so it is looked for on each frame
 * for a few seconds. `data-flash` is not an attribute React renders, so a re-render keeps it.
 */

const lookForMs = 5_000;
const flashMs = 2_000;

export function flashMessage(rowId: string): () => void {
  const selector = `article[data-message-id="${CSS.escape(rowId)}"]`;
  const started = performance.now();
  const timers: ReturnType<typeof setTimeout>[] = [];
  let frame = 0;
  const show = (row: HTMLElement) => {
    row.scrollIntoView({ block: 'center', behavior: 'instant' });
    row.dataset.flash = 'on';
    // Rows above may still grow (markdown rendering, chunks mounting): settle on the row again.
    for (const delay of [120, 400]) timers.push(setTimeout(() => row.scrollIntoView({ block: 'center' }), delay));
    timers.push(setTimeout(() => delete row.dataset.flash, flashMs));
  };
  const look = () => {
    const row = document.querySelector<HTMLElement>(selector);
    if (row) show(row);
    else if (performance.now() - started < lookForMs) frame = requestAnimationFrame(look);
  };
  look();
  return () => {
    cancelAnimationFrame(frame);
    for (const timer of timers) clearTimeout(timer);
  };
}
