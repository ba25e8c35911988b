/**
 * Settings → Data: importing a ChatGPT export (the raw file as the body, with upload progress) and
 * exporting the user's history as a zip (docs/api.md, "Import and export").
 */
import { apiErrorFrom, NetworkError } from './api-error.js';
import { currentAccessToken, requestJson } from './http-client.js';

export interface ImportSummary {
  conversations: number;
  imported: number;
  already_present: number;
  skipped: Array<{ id: string | null; title: string | null; reason: string }>;
  feedback_imported: number;
}

export interface ImportProgress {
  /** Bytes sent so far and in all (total 0 when the browser cannot tell). */
  loaded: number;
  total: number;
  /** The whole file is sent; the server is importing it. */
  uploaded: boolean;
}

function contentTypeOf(file: File): string {
  const name = file.name.toLowerCase();
  if (name.endsWith('.zip')) return 'application/zip';
  if (name.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 500) };
  }
}

/**
 * Uploads `file` to `POST /backend-api/accounts/data_import`. XMLHttpRequest, not fetch: only it
 * reports upload progress. Aborting rejects with an AbortError.
 */
export function importHistory(
  file: File,
  onProgress: (progress: ImportProgress) => void,
  signal?: AbortSignal,
): Promise<ImportSummary> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/backend-api/accounts/data_import');
    xhr.withCredentials = true;
    const token = currentAccessToken();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', contentTypeOf(file));
    // The name is only for the server's messages; a header must be printable ASCII, so others are encoded.
    xhr.setRequestHeader(
      'x-backchat-filename',
      /^[\x20-\x7e]*$/.test(file.name) ? file.name : encodeURIComponent(file.name),
    );
    xhr.upload.onprogress = (event) =>
      onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : 0, uploaded: false });
    xhr.upload.onload = () => onProgress({ loaded: file.size, total: file.size, uploaded: true });
    xhr.onload = () => {
      const body = parse(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as ImportSummary);
      else reject(apiErrorFrom(xhr.status, body));
    };
    xhr.onerror = () => reject(new NetworkError());
    xhr.onabort = () => reject(new DOMException('The import was cancelled.', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

export interface ExportReady {
  status: string;
  download_url: string;
}

export function requestExport(): Promise<ExportReady> {
  return requestJson('/backend-api/accounts/data_export', { method: 'POST' });
}
