/**
 * Settings → General (this browser and the chat history): theme, the analytics switch (off → no
 * `/ces/v1/b` at all), whether answers keep being written when the page goes away, archived chats,
 * and "Archive all" / "Delete all chats" (each confirmed first).
 */
import { useState } from 'react';
import { useAction } from '../../hooks/use-action.js';
import { useSettings } from '../../hooks/use-settings.js';
import { settingsStore, type ThemeChoice } from '../../state/settings-store.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { FormMessages } from '../ui/form-messages.js';
import { Switch } from '../ui/switch.js';
import { SettingRow } from './setting-row.js';

export interface GeneralSectionProps {
  onManageArchived: () => void;
  onArchiveAll: () => Promise<void>;
  onDeleteAll: () => Promise<void>;
}

type Pending = 'archive' | 'delete' | null;

interface SwitchRowProps {
  label: string;
  hint: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}

/** An on/off setting: its label and hint, and a switch named by the label. */
function SwitchRow({ label, hint, checked, onChange }: SwitchRowProps) {
  return (
    <SettingRow label={label} hint={hint}>
      <Switch label={label} checked={checked} onChange={onChange} />
    </SettingRow>
  );
}

export function GeneralSection({ onManageArchived, onArchiveAll, onDeleteAll }: GeneralSectionProps) {
  const settings = useSettings();
  const [pending, setPending] = useState<Pending>(null);
  const action = useAction();
  const confirm = (work: () => Promise<void>) => {
    setPending(null);
    void action.run(work);
  };
  return (
    <div className="settings-body">
      <SettingRow label="Theme">
        <select
          aria-label="Theme"
          className="select"
          value={settings.theme}
          onChange={(event) => settingsStore.setTheme(event.target.value as ThemeChoice)}
        >
          <option value="system">System</option>
          <option value="dark">Dark</option>
          <option value="light">Light</option>
        </select>
      </SettingRow>
      <SwitchRow
        label="Improve backchat with usage analytics"
        hint="Sends anonymous usage events (such as which starter prompts were shown) to this server only."
        checked={settings.analytics}
        onChange={(enabled) => settingsStore.setAnalytics(enabled)}
      />
      <SwitchRow
        label="Keep generating when I leave"
        hint="Answers finish on the server even if you close or reload this page. Stop ends them everywhere they are open."
        checked={settings.keepGenerating}
        onChange={(enabled) => settingsStore.setKeepGenerating(enabled)}
      />
      <SettingRow label="Archived chats">
        <button type="button" className="button button-secondary small" onClick={onManageArchived}>
          Manage
        </button>
      </SettingRow>
      <SettingRow label="Archive all chats">
        <button
          type="button"
          className="button button-secondary small"
          disabled={action.busy}
          onClick={() => setPending('archive')}
        >
          Archive all
        </button>
      </SettingRow>
      <SettingRow label="Delete all chats">
        <button
          type="button"
          className="button button-danger small"
          disabled={action.busy}
          onClick={() => setPending('delete')}
        >
          Delete all
        </button>
      </SettingRow>
      <FormMessages error={action.error} />
      <ConfirmDialog
        open={pending === 'archive'}
        title="Archive all chats?"
        confirmLabel="Archive all"
        onCancel={() => setPending(null)}
        onConfirm={() => confirm(onArchiveAll)}
      >
        <p>Every chat moves to Archived chats. You can unarchive them from there.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={pending === 'delete'}
        title="Delete all chats?"
        confirmLabel="Delete all"
        danger
        onCancel={() => setPending(null)}
        onConfirm={() => confirm(onDeleteAll)}
      >
        <p>This deletes every chat in your history, archived ones included. This cannot be undone here.</p>
      </ConfirmDialog>
    </div>
  );
}
