/**
 * Where an export is read from: a ChatGPT export .zip (the single `conversations.json` of 2023 or the
 * later split `conversations-000.json`, `conversations-001.json`, …, plus `message_feedback.json`), a
 * bare `conversations.json`, or a folder holding the unpacked files. Files are opened as streams one
 * at a time; a zip is read through its central directory, never unpacked to disk or memory.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** A file of the export. */
export interface ExportFile {
  /** Its name as people see it (`conversations-003.json`, or the path inside the zip). */
  name: string;
  /** Uncompressed size in bytes, for progress. */
  size: number;
  open(): Promise<Readable>;
}

export interface ExportSource {
  /** The export as people named it (the path, or the uploaded file's name). */
  label: string;
  /** The conversation files, in order: `conversations.json`, then `conversations-NNN.json` by number. */
  conversationFiles: ExportFile[];
  feedbackFile: ExportFile | undefined;
  close(): Promise<void>;
}

/** The export cannot be read at all (not a zip or JSON, no conversation file): nothing was imported. */
export class ExportSourceError extends Error {
  override name = 'ExportSourceError';
}

const conversationFileName = /^conversations(?:-(\d+))?\.json$/;

/** Orders `conversations.json` first, then the split files by their number. */
function fileOrder(a: { name: string }, b: { name: string }): number {
  const number = (name: string) => Number(conversationFileName.exec(basename(name))?.[1] ?? -1);
  return number(a.name) - number(b.name) || a.name.localeCompare(b.name);
}

/** Picks the export's files among `files` (any folder inside a zip; macOS resource forks ignored). */
function pick(label: string, files: ExportFile[], close: () => Promise<void>): ExportSource {
  const usable = files.filter((file) => !file.name.startsWith('__MACOSX/'));
  const conversationFiles = usable.filter((file) => conversationFileName.test(basename(file.name))).sort(fileOrder);
  if (conversationFiles.length === 0) {
    throw new ExportSourceError(
      `${label}: no conversations.json or conversations-NNN.json found (is this a ChatGPT export?)`,
    );
  }
  const feedbackFile = usable.find((file) => basename(file.name) === 'message_feedback.json');
  return { label, conversationFiles, feedbackFile, close };
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: false }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    );
  });
}

async function zipSource(path: string, label: string): Promise<ExportSource> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (error) {
    throw new ExportSourceError(`${label}: not a readable zip file (${(error as Error).message})`);
  }
  const close = async () => zip.close();
  try {
    const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
      const found: yauzl.Entry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!entry.fileName.endsWith('/')) found.push(entry);
        zip.readEntry();
      });
      zip.on('end', () => resolve(found));
      zip.on('error', reject);
      zip.readEntry();
    });
    const files = entries.map(
      (entry): ExportFile => ({
        name: entry.fileName,
        size: entry.uncompressedSize,
        open: () =>
          new Promise((resolve, reject) =>
            zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
          ),
      }),
    );
    return pick(label, files, close);
  } catch (error) {
    await close();
    if (error instanceof ExportSourceError) throw error;
    throw new ExportSourceError(`${label}: not a readable zip file (${(error as Error).message})`);
  }
}

function plainFile(path: string, name: string, size: number): ExportFile {
  return { name, size, open: async () => createReadStream(path) };
}

async function startsLikeZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    // A local file header, or the end record of an empty zip.
    return bytesRead === 4 && buffer[0] === 0x50 && buffer[1] === 0x4b && (buffer[2] === 3 || buffer[2] === 5);
  } finally {
    await handle.close();
  }
}

/**
 * Opens the export at `path`. `label` names it in messages (default: the path); a single JSON file
 * is taken as `conversations.json` whatever its name.
 */
export async function openExportSource(path: string, label: string = path): Promise<ExportSource> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new ExportSourceError(`${label}: no such file or folder`);
  }
  const close = async () => {};
  if (info.isDirectory()) {
    const names = await readdir(path);
    const files: ExportFile[] = [];
    for (const name of names) {
      const file = join(path, name);
      const entry = await stat(file);
      if (entry.isFile()) files.push(plainFile(file, name, entry.size));
    }
    return pick(label, files, close);
  }
  if (await startsLikeZip(path)) return zipSource(path, label);
  const name = conversationFileName.test(basename(label)) ? basename(label) : 'conversations.json';
  return { label, conversationFiles: [plainFile(path, name, info.size)], feedbackFile: undefined, close };
}
