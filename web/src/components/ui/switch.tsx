/** An on/off switch (role="switch"). */
interface SwitchProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
  label: string;
  /** Show `label` as visible text next to the switch. */
  showLabel?: boolean;
  className?: string;
}

export function Switch({ checked, onChange, label, showLabel, className }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      className={`switch ${checked ? 'on' : ''} ${className ?? ''}`}
      onClick={() => onChange(!checked)}
    >
      {showLabel && <span className="switch-label">{label}</span>}
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
    </button>
  );
}
