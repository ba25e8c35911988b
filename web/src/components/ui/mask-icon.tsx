/** An icon drawn by a CSS mask on a single <span> (styles/mask-icons.css): cheap enough for every message. */

export type MaskIconName =
  | 'copy'
  | 'check'
  | 'thumb-up'
  | 'thumb-down'
  | 'regenerate'
  | 'edit'
  | 'chevron-left'
  | 'chevron-right'
  | 'alert'
  | 'logo';

export function MaskIcon({ name, size = 16 }: { name: MaskIconName; size?: number }) {
  const style = size === 16 ? undefined : ({ '--icon-size': `${size}px` } as React.CSSProperties);
  return <span className={`mask-icon icon-${name}`} style={style} aria-hidden="true" />;
}
