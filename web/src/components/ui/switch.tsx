/** An on/off switch (role="switch"): a track with a thumb, or an icon button that lights up. */
import type { ReactNode } from 'react';

interface SwitchProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
  label: string;
  /** Show `label` as visible text next to the switch. */
  showLabel?: boolean;
  className?: string;
  /** Show this icon instead of the track (compact headers). */
  icon?: ReactNode;
}

export function Switch({ checked, onChange, label, showLabel, className, icon }: SwitchProps) {
  const look = icon ? 'icon-button icon-switch' : 'switch';
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      className={`${look} ${checked ? 'on' : ''} ${className ?? ''}`}
      onClick={() => onChange(!checked)}
    >
      {icon || (
        <>
          {showLabel && <span className="switch-label">{label}</span>}
          <span className="switch-track" aria-hidden="true">
            <span className="switch-thumb" />
          </span>
        </>
      )}
    </button>
  );
}
