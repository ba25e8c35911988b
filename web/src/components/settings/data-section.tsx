/**
 * Settings → Data: import a ChatGPT export (.zip or conversations.json) with an upload progress bar
 * and the server's summary; export everything as a zip; the shared links, each with Open and Revoke.
 */
import { useRef, useState } from 'react';
import { describeError } from '../../api/api-error.js';
import { type ImportProgress, type ImportSummary, importHistory, requestExport } from '../../api/data-api.js';
import { deleteShare, listShares, type SharedConversationItem } from '../../api/share-api.js';
import { useAction } from '../../hooks/use-action.js';
import { useResource } from '../../hooks/use-resource.js';
import { formatDate } from '../../lib/relative-time.js';
import { useServices } from '../../state/app-services.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { FormMessages } from '../ui/form-messages.js';
import { LinkIcon, TrashIcon } from '../ui/icons.js';

type ImportState =
  | { phase: 'idle' }
  | { phase: 'uploading'; name: string; progress: ImportProgress }
  | { phase: 'done'; name: string; summary: ImportSummary }
  | { phase: 'failed'; name: string; error: string };

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function ImportStatus({ state }: { state: ImportState }) {
  if (state.phase === 'idle') return null;
  if (state.phase === 'failed') {
    return (
      <p className="form-error" role="alert">
        {state.error}
      </p>
    );
  }
  if (state.phase === 'uploading') {
    const { loaded, total, uploaded } = state.progress;
    const percent = total > 0 ? Math.round((loaded / total) * 100) : 0;
    return (
      <div className="import-progress">
        <progress aria-label="Upload progress" max={100} value={uploaded ? 100 : percent} />
        <span className="import-progress-text" role="status">
          {uploaded
            ? `Importing ${state.name}…`
            : `Uploading ${state.name}: ${percent}% (${formatBytes(loaded)} of ${formatBytes(total)})`}
        </span>
      </div>
    );
  }
  const { summary } = state;
  return (
    <div className="import-summary" role="status" aria-label="Import summary">
      <p>
        {plural(summary.imported, 'conversation')} imported · {summary.already_present} already there ·{' '}
        {summary.skipped.length} skipped
      </p>
      {summary.skipped.length > 0 && (
        <ul className="import-skipped" aria-label="Skipped conversations">
          {summary.skipped.map((skip, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the server's ids may repeat in a broken export
            <li key={index}>
              <span className="import-skipped-title">{skip.title || skip.id || 'Untitled'}</span>: {skip.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ImportRow() {
  const { list } = useServices();
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<ImportState>({ phase: 'idle' });
  const start = async (file: File) => {
    setState({ phase: 'uploading', name: file.name, progress: { loaded: 0, total: file.size, uploaded: false } });
    try {
      const summary = await importHistory(file, (progress) =>
        setState({ phase: 'uploading', name: file.name, progress }),
      );
      setState({ phase: 'done', name: file.name, summary });
      void list.reset();
    } catch (failure) {
      setState({ phase: 'failed', name: file.name, error: describeError(failure) });
    }
  };
  return (
    <section className="data-block" aria-labelledby="data-import-heading">
      <div className="data-block-head">
        <div className="setting-text">
          <h3 id="data-import-heading" className="setting-label">
            Import ChatGPT history
          </h3>
          <span className="setting-hint">
            The .zip from ChatGPT’s “Export data”, or its conversations.json. Importing again adds nothing twice.
          </span>
        </div>
        <button
          type="button"
          className="button button-secondary small"
          disabled={state.phase === 'uploading'}
          onClick={() => input.current?.click()}
        >
          Import…
        </button>
        <input
          ref={input}
          type="file"
          hidden
          aria-label="ChatGPT export file"
          accept=".zip,.json,application/zip,application/json"
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file) void start(file);
          }}
        />
      </div>
      <ImportStatus state={state} />
    </section>
  );
}

function ExportRow() {
  const action = useAction();
  const exportAll = () =>
    action.run(async () => {
      const { download_url } = await requestExport();
      // The session cookie authenticates the download; the browser saves it as the server names it.
      const link = document.createElement('a');
      link.href = download_url;
      link.download = '';
      document.body.append(link);
      link.click();
      link.remove();
      return 'Your export is downloading.';
    });
  return (
    <section className="data-block" aria-labelledby="data-export-heading">
      <div className="data-block-head">
        <div className="setting-text">
          <h3 id="data-export-heading" className="setting-label">
            Export data
          </h3>
          <span className="setting-hint">
            All your chats as a .zip in ChatGPT’s export format, with a chat.html that opens offline.
          </span>
        </div>
        <button
          type="button"
          className="button button-secondary small"
          disabled={action.busy}
          onClick={() => void exportAll()}
        >
          Export
        </button>
      </div>
      <FormMessages error={action.error} notice={action.notice} />
    </section>
  );
}

function SharedLinks() {
  const shares = useResource(listShares);
  const [revoking, setRevoking] = useState<SharedConversationItem | null>(null);
  const action = useAction();
  const revoke = (item: SharedConversationItem) => {
    setRevoking(null);
    void action.run(async () => {
      await deleteShare(item.id);
      await shares.reload();
      return `The link to “${item.title}” was revoked.`;
    });
  };
  const items = shares.data?.items ?? [];
  return (
    <section className="data-block" aria-labelledby="data-shares-heading">
      <div className="setting-text">
        <h3 id="data-shares-heading" className="setting-label">
          Shared links
        </h3>
        <span className="setting-hint">Anyone with one of these links can read that chat as it was shared.</span>
      </div>
      {shares.loading && !shares.data && <span className="spinner" role="status" aria-label="Loading shared links" />}
      <FormMessages error={shares.error} />
      {shares.data && items.length === 0 && <p className="empty-note">You have no shared links.</p>}
      <ul className="credential-list" aria-label="Shared links">
        {items.map((item) => (
          <li key={item.id} className="credential-item" data-share-id={item.id}>
            <span className="credential-icon">
              <LinkIcon size={20} />
            </span>
            <div className="credential-text">
              <a
                className="credential-title share-link-title"
                href={`/share/${encodeURIComponent(item.id)}`}
                target="_blank"
                rel="noopener"
              >
                {item.title || 'Untitled chat'}
              </a>
              <span className="credential-meta">
                Shared {formatDate(item.create_time)}
                {item.is_public ? '' : ' · not public yet'}
              </span>
            </div>
            <button
              type="button"
              className="icon-button small danger"
              aria-label={`Revoke link to ${item.title || 'Untitled chat'}`}
              data-tooltip="Revoke"
              onClick={() => setRevoking(item)}
            >
              <TrashIcon size={16} />
            </button>
          </li>
        ))}
      </ul>
      <FormMessages error={action.error} notice={action.notice} />
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke shared link?"
        confirmLabel="Revoke"
        danger
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revoke(revoking)}
      >
        <p>The link to “{revoking?.title}” stops working at once. Your chat itself is kept.</p>
      </ConfirmDialog>
    </section>
  );
}

export function DataSection() {
  return (
    <div className="settings-body data-section">
      <ImportRow />
      <ExportRow />
      <SharedLinks />
    </div>
  );
}
