import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../errors.js';
import type { Io } from '../io.js';

/** One input to decode: a file, or stdin (`-`). */
export interface InputSource {
  /** As the user named it (or its path below a directory they named). */
  name: string;
  read: () => Promise<Uint8Array>;
}

/** File endings picked up when a directory is named; a file named directly is read whatever its name. */
const TRACE_FILE = /\.(json|jsonl|ndjson|pb|binpb|protobuf|otlp)(\.gz)?$/i;

/**
 * Expands the sources a user named: files as they are, directories recursively (trace
 * files only, in name order), `-` as stdin.
 */
export async function expandSources(args: readonly string[], io: Io): Promise<InputSource[]> {
  const sources: InputSource[] = [];
  for (const arg of args) {
    if (arg === '-') {
      sources.push({ name: 'stdin', read: () => readStream(io.stdin) });
      continue;
    }
    const path = resolve(io.cwd, arg);
    const info = await stat(path).catch((error: unknown) => {
      throw new InputError(`cannot read ${arg}: ${describeFsError(error)}`, { cause: error });
    });
    if (info.isDirectory()) {
      for (const file of await listTraceFiles(path, arg)) sources.push(fileSource(file.path, file.name));
    } else {
      sources.push(fileSource(path, arg));
    }
  }
  return sources;
}

function fileSource(path: string, name: string): InputSource {
  return {
    name,
    read: async () => {
      const bytes = await readFile(path).catch((error: unknown) => {
        throw new InputError(`cannot read ${name}: ${describeFsError(error)}`, { cause: error });
      });
      return gunzipIfCompressed(bytes, name);
    },
  };
}

/** Iterative walk: a deep directory tree must not exhaust the stack. */
async function listTraceFiles(root: string, rootName: string): Promise<{ path: string; name: string }[]> {
  const found: { path: string; name: string }[] = [];
  const pending = [{ path: root, name: rootName }];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    const entries = await readdir(dir.path, { withFileTypes: true }).catch((error: unknown) => {
      throw new InputError(`cannot read directory ${dir.name}: ${describeFsError(error)}`, { cause: error });
    });
    for (const entry of entries) {
      const item = { path: join(dir.path, entry.name), name: join(dir.name, entry.name) };
      if (entry.isDirectory()) pending.push(item);
      else if (entry.isFile() && TRACE_FILE.test(entry.name)) found.push(item);
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return gunzipIfCompressed(Buffer.concat(chunks), 'stdin');
}

/** Gzip is recognized by its magic bytes, so `.gz` files and gzipped stdin both work. */
function gunzipIfCompressed(bytes: Buffer, name: string): Uint8Array {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new InputError(`cannot read ${name}: not a valid gzip file (${(error as Error).message})`, { cause: error });
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
