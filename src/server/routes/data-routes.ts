/**
 * Data controls (docs/api.md, "Import and export"): `POST accounts/data_import` takes a ChatGPT export
 * (.zip or conversations.json) as the raw request body, streamed to a temporary file under a size limit
 * and imported from there; `POST accounts/data_export` answers with the download link, and
 * `GET accounts/data_export/download` streams the caller's export zip as it is produced.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Clock } from '../../clock.js';
import { ExportSourceError, openExportSource } from '../../conversation/history/export-source.js';
import { exportHistory } from '../../conversation/history/history-exporter.js';
import { HistoryImporter } from '../../conversation/history/history-importer.js';
import { DomainError, InvalidRequestError } from '../../domain-errors.js';
import type { Ids } from '../../ids.js';
import type { Store } from '../../store/store.js';
import type { RouteSpec } from '../route-table.js';

/** The largest export accepted over HTTP: 2 GiB (a larger one imports with `backchat import`). */
export const maxImportBytes = 2 * 1024 * 1024 * 1024;

const acceptedTypes = new Set([
  'application/zip',
  'application/x-zip-compressed',
  'application/json',
  'application/octet-stream',
]);

class PayloadTooLargeError extends DomainError {
  override name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly code = 'payload_too_large';
}

class UnsupportedMediaTypeError extends DomainError {
  override name = 'UnsupportedMediaTypeError';
  readonly status = 415;
  readonly code = 'unsupported_media_type';
}

export interface DataRouteDeps {
  store: Store;
  ids: Ids;
  clock: Clock;
}

/** The uploaded file's name for messages: `X-Backchat-Filename`'s last path part, printable, short. */
function uploadName(header: string | string[] | undefined, json: boolean): string {
  const raw = typeof header === 'string' ? header : '';
  const name = basename(raw.replaceAll('\\', '/'))
    .replace(/[^\p{L}\p{N} ._()-]/gu, '')
    .slice(0, 100);
  return name || (json ? 'conversations.json' : 'export.zip');
}

/** Counts bytes through and fails the copy past `limit`. */
function byteLimit(limit: number, name: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) done(new PayloadTooLargeError(`${name} is larger than the ${limit} bytes an upload may have`));
      else done(null, chunk);
    },
  });
}

function exportFileName(now: Date): string {
  return `backchat-export-${now.toISOString().slice(0, 10)}.zip`;
}

export function dataRoutes(deps: DataRouteDeps, limit = maxImportBytes): RouteSpec[] {
  return [
    {
      method: 'POST',
      path: '/accounts/data_import',
      mount: 'api',
      auth: 'user',
      rawBody: true,
      bodyLimit: limit,
      handler: async (request, _reply, user) => {
        const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        if (!acceptedTypes.has(type)) {
          throw new UnsupportedMediaTypeError(
            'Content-Type must be application/zip, application/json or application/octet-stream (the export file itself)',
          );
        }
        const name = uploadName(request.headers['x-backchat-filename'], type === 'application/json');
        const declared = Number(request.headers['content-length']);
        if (Number.isFinite(declared) && declared > limit) {
          throw new PayloadTooLargeError(`${name} is larger than the ${limit} bytes an upload may have`);
        }
        const dir = await mkdtemp(join(tmpdir(), 'backchat-import-'));
        try {
          const file = join(dir, 'upload');
          await pipeline(request.body as Readable, byteLimit(limit, name), createWriteStream(file));
          const source = await openExportSource(file, name).catch((error: unknown) => {
            throw error instanceof ExportSourceError ? new InvalidRequestError(error.message) : error;
          });
          try {
            return await new HistoryImporter(deps).importExport(user.id, source);
          } catch (error) {
            throw error instanceof ExportSourceError ? new InvalidRequestError(error.message) : error;
          } finally {
            await source.close();
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    },
    {
      method: 'POST',
      path: '/accounts/data_export',
      mount: 'api',
      auth: 'user',
      // The export is made while it downloads: there is nothing to wait for or e-mail.
      handler: async () => ({ status: 'ready', download_url: '/backend-api/accounts/data_export/download' }),
    },
    {
      method: 'GET',
      path: '/accounts/data_export/download',
      mount: 'api',
      auth: 'user',
      handler: async (_request, reply, user) => {
        const now = deps.clock.now();
        reply
          .type('application/zip')
          .header('content-disposition', `attachment; filename="${exportFileName(now)}"`)
          .header('cache-control', 'no-store');
        return reply.send(exportHistory(deps.store, user, now));
      },
    },
  ];
}
