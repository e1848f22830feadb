import type { Stats } from 'node:fs';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../model/errors.js';

/** What reading inputs needs of the process: where relative names start, and stdin. */
export interface InputContext {
  cwd: string;
  stdin: Readable;
}

/** One input to decode: a file, or stdin (`-`). */
export interface InputSource {
  /** As the user named it (or its path below a directory they named). */
  name: string;
  /** Where the file is; absent for stdin. */
  path?: string;
  /** Bytes in it, for a regular file; absent for stdin, pipes and devices (they cannot be cut). */
  size?: number;
  /** The directory the user named that this file was found in; absent for a file named itself. */
  directory?: string;
  /** The input's bytes as they are read, gunzipped when they are gzip. */
  chunks: () => AsyncIterable<Uint8Array>;
}

/** Read size: large enough that per-chunk costs vanish, small enough to stay out of the way. */
const CHUNK_BYTES = 1 << 20;

/** File endings picked up when a directory is named; a file named directly is read whatever its name. */
const TRACE_FILE = /\.(json|jsonl|ndjson|pb|binpb|protobuf|otlp)(\.gz)?$/i;

/**
 * Expands the sources a user named: files as they are, directories recursively (trace
 * files only, in name order, symlinks followed), `-` as stdin. What the walk passed over
 * (a symlink loop, a broken symlink) is added to `warnings`.
 */
export async function expandSources(args: readonly string[], ctx: InputContext, warnings: string[] = []): Promise<InputSource[]> {
  const sources: InputSource[] = [];
  for (const arg of args) {
    if (arg === '-') {
      sources.push({ name: 'stdin', chunks: () => gunzipIfCompressed(ctx.stdin, 'stdin') });
      continue;
    }
    const path = resolve(ctx.cwd, arg);
    const info = await statInput(path, arg);
    if (info.isDirectory()) {
      for (const file of await listTraceFiles(path, arg, warnings)) sources.push({ ...fileSource(file.path, file.name, await statInput(file.path, file.name)), directory: arg });
    } else {
      sources.push(fileSource(path, arg, info));
    }
  }
  return sources;
}

function statInput(path: string, name: string): Promise<Stats> {
  return stat(path).catch((error: unknown) => {
    throw readError(name, error);
  });
}

function fileSource(path: string, name: string, info: Stats): InputSource {
  return {
    name,
    path,
    // A named pipe or a device can be read only once, and has no size to cut.
    ...(info.isFile() ? { size: info.size } : {}),
    chunks: async function* () {
      // Opened first, so an unreadable file fails here with its own message, not mid-stream.
      const handle = await openInput(path, name);
      const stream = handle.createReadStream({ highWaterMark: CHUNK_BYTES });
      try {
        yield* gunzipIfCompressed(stream, name);
      } catch (error) {
        if (error instanceof InputError) throw error;
        throw readError(name, error);
      } finally {
        stream.destroy();
      }
    },
  };
}

/** Opens a file to read; an input error naming it when it cannot be. */
export function openInput(path: string, name: string): Promise<FileHandle> {
  return open(path, 'r').catch((error: unknown) => {
    throw readError(name, error);
  });
}

/** A failure to read an input, as the sentence the user sees. */
export function readError(name: string, error: unknown): InputError {
  return new InputError(`cannot read ${name}: ${describeFsError(error)}`, { cause: error });
}

/**
 * Iterative walk: a deep directory tree must not exhaust the stack. Symlinks are followed
 * (`find -L`); each real directory and file is listed once, however many links reach it, and
 * a link back to a directory being walked (a loop) is named in one warning.
 */
async function listTraceFiles(root: string, rootName: string, warnings: string[]): Promise<{ path: string; name: string }[]> {
  const found: { path: string; name: string }[] = [];
  const rootReal = await realpath(root);
  const seenDirs = new Set([rootReal]);
  const seenFiles = new Set<string>();
  const pending = [{ path: root, name: rootName, real: rootReal }];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    const entries = await readdir(dir.path, { withFileTypes: true }).catch((error: unknown) => {
      throw new InputError(`cannot read directory ${dir.name}: ${describeFsError(error)}`, { cause: error });
    });
    for (const entry of entries) {
      const item = { path: join(dir.path, entry.name), name: join(dir.name, entry.name) };
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      let real = join(dir.real, entry.name);
      if (entry.isSymbolicLink()) {
        const target = await stat(item.path).then(async (info) => ({ info, real: await realpath(item.path) })).catch(() => null);
        if (target === null) {
          warnings.push(`${item.name}: skipped, a symlink to nothing readable`);
          continue;
        }
        ({ real } = target);
        isDirectory = target.info.isDirectory();
        isFile = target.info.isFile();
        if (isDirectory && (dir.real === real || dir.real.startsWith(real + sep))) {
          warnings.push(`${item.name}: skipped, a symlink loop (it leads back to a directory that contains it)`);
          continue;
        }
      }
      if (isDirectory) {
        if (seenDirs.has(real)) continue;
        seenDirs.add(real);
        pending.push({ ...item, real });
      } else if (isFile && TRACE_FILE.test(entry.name) && !seenFiles.has(real)) {
        seenFiles.add(real);
        found.push(item);
      }
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Gzip is recognized by its magic bytes, so `.gz` files and gzipped stdin both work. */
async function* gunzipIfCompressed(stream: NodeJS.ReadableStream, name: string): AsyncIterable<Uint8Array> {
  const iterator = (stream as Readable)[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head = await iterator.next();
  if (head.done) return;
  const first = typeof head.value === 'string' ? Buffer.from(head.value) : head.value;
  const rest = async function* (): AsyncIterable<Buffer> {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  };
  if (first[0] !== 0x1f || first[1] !== 0x8b) {
    yield first;
    yield* rest();
    return;
  }
  const gunzip = createGunzip();
  // Feed the compressed bytes in the background; gunzip's own backpressure paces it.
  const feeding = (async () => {
    try {
      if (!gunzip.write(first)) await new Promise((r) => gunzip.once('drain', r));
      for await (const chunk of rest()) if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once('drain', r));
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  })();
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    throw new InputError(`cannot read ${name}: not a valid gzip file (${(error as Error).message})`, { cause: error });
  }
  await feeding;
}

/** A file-system error as the end of a sentence: "cannot read x: permission denied". */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
