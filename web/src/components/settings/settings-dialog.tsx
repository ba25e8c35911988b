/**
 * Settings: theme, the analytics switch (off → no `/ces/v1/b` at all), archived chats, and the bulk
 * actions "Archive all" and "Delete all chats" (each confirmed first).
 */
import { useState } from 'react';
import { useSettings } from '../../hooks/use-settings.js';
import { settingsStore, type ThemeChoice } from '../../state/settings-store.js';
import { ConfirmDialog, Dialog } from '../ui/dialog.js';
import { Switch } from '../ui/switch.js';

interface SettingsDialogProps {
  open: boolean;
  onClose: () => void;
  onManageArchived: () => void;
  onArchiveAll: () => Promise<void>;
  onDeleteAll: () => Promise<void>;
}

type Pending = 'archive' | 'delete' | null;

function SettingRow({ label, hint, children }: { label: string; hint?: string; children: React.ReactNode }) {
  return (
    <div className="setting-row">
      <div className="setting-text">
        <span className="setting-label">{label}</span>
        {hint && <span className="setting-hint">{hint}</span>}
      </div>
      <div className="setting-control">{children}</div>
    </div>
  );
}

export function SettingsDialog({ open, onClose, onManageArchived, onArchiveAll, onDeleteAll }: SettingsDialogProps) {
  const settings = useSettings();
  const [pending, setPending] = useState<Pending>(null);
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (work: () => Promise<void>) => {
    setPending(null);
    setWorking(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setWorking(false);
    }
  };
  return (
    <Dialog open={open} title="Settings" onClose={onClose} className="settings-dialog">
      <div className="dialog-body settings-body">
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
        <SettingRow
          label="Improve backchat with usage analytics"
          hint="Sends anonymous usage events (such as which starter prompts were shown) to this server only."
        >
          <Switch
            label="Improve backchat with usage analytics"
            checked={settings.analytics}
            onChange={(enabled) => settingsStore.setAnalytics(enabled)}
          />
        </SettingRow>
        <SettingRow label="Archived chats">
          <button type="button" className="button button-secondary small" onClick={onManageArchived}>
            Manage
          </button>
        </SettingRow>
        <SettingRow label="Archive all chats">
          <button
            type="button"
            className="button button-secondary small"
            disabled={working}
            onClick={() => setPending('archive')}
          >
            Archive all
          </button>
        </SettingRow>
        <SettingRow label="Delete all chats">
          <button
            type="button"
            className="button button-danger small"
            disabled={working}
            onClick={() => setPending('delete')}
          >
            Delete all
          </button>
        </SettingRow>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <ConfirmDialog
        open={pending === 'archive'}
        title="Archive all chats?"
        confirmLabel="Archive all"
        onCancel={() => setPending(null)}
        onConfirm={() => void run(onArchiveAll)}
      >
        <p>Every chat moves to Archived chats. You can unarchive them from there.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={pending === 'delete'}
        title="Delete all chats?"
        confirmLabel="Delete all"
        danger
        onCancel={() => setPending(null)}
        onConfirm={() => void run(onDeleteAll)}
      >
        <p>This deletes every chat in your history, archived ones included. This cannot be undone here.</p>
      </ConfirmDialog>
    </Dialog>
  );
}
