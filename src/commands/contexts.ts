import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import type { Io } from '../io.js';
import { UsageError } from '../model/errors.js';
import { cleanText } from '../report/sanitize.js';
import { backendKinds, type BackendKind } from '../sources/backends/config.js';

/**
 * Named backends, as kubectl has contexts: `$XDG_CONFIG_HOME/tracectl/config.yaml` (else
 * `~/.config/tracectl/config.yaml`) holds
 *
 * ```yaml
 * current-context: prod
 * backends:
 *   prod:
 *     kind: tempo
 *     url: https://tempo.example.com
 *     headers: { X-Scope-OrgID: team-a }
 *     token-env: PROD_TEMPO_TOKEN   # the variable that holds the token, never the token
 *     ui-url: https://grafana.example.com
 *     datasource: tempo-prod        # Grafana's uid of the Tempo data source
 * ```
 *
 * The directory comes from `io.env` only (tests point it at a temporary one); without
 * XDG_CONFIG_HOME and HOME there is no config file.
 */

export interface NamedBackend {
  name: string;
  kind: BackendKind;
  url: string;
  headers: Record<string, string>;
  /** The name of the environment variable holding the bearer token. */
  tokenEnv?: string;
  uiUrl?: string;
  datasource?: string;
}

export interface ContextsFile {
  path: string;
  current: string | null;
  backends: NamedBackend[];
}

/** The config file's path, or null when the environment names no home for it. */
export function configPath(io: Io): string | null {
  const xdg = io.env.XDG_CONFIG_HOME;
  if (xdg !== undefined && xdg !== '') return join(xdg, 'tracectl', 'config.yaml');
  const home = io.env.HOME;
  return home !== undefined && home !== '' ? join(home, '.config', 'tracectl', 'config.yaml') : null;
}

/** The config file read and checked; an absent file is an empty one. A file that does not parse is a configuration error (exit 2). */
export async function readContexts(io: Io): Promise<ContextsFile | null> {
  const path = configPath(io);
  if (path === null) return null;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, current: null, backends: [] };
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseContexts(text, path);
}

export function parseContexts(text: string, path: string): ContextsFile {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new UsageError(`${path}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return { path, current: null, backends: [] };
  if (typeof root !== 'object' || Array.isArray(root)) throw new UsageError(`${path}: expected a map with current-context and backends`);
  const { 'current-context': current, backends = {} } = root as Record<string, unknown>;
  if (current !== undefined && current !== null && typeof current !== 'string') throw new UsageError(`${path}: current-context must be a backend's name`);
  if (typeof backends !== 'object' || backends === null || Array.isArray(backends)) throw new UsageError(`${path}: backends must map names to backends`);
  const named = Object.entries(backends as Record<string, unknown>).map(([name, value]) => namedBackend(name, value, path));
  return { path, current: typeof current === 'string' ? current : null, backends: named };
}

const KNOWN_FIELDS = new Set(['kind', 'url', 'headers', 'token-env', 'ui-url', 'datasource']);

function namedBackend(name: string, value: unknown, path: string): NamedBackend {
  const where = `${path}: backend "${cleanText(name)}"`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${where} must be a map with kind and url`);
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key === 'token') throw new UsageError(`${where}: the file holds no tokens; name the variable that holds it with token-env`);
    if (!KNOWN_FIELDS.has(key)) throw new UsageError(`${where}: unknown field "${cleanText(key)}" (known: ${[...KNOWN_FIELDS].join(', ')})`);
  }
  const text = (key: string): string | undefined => {
    const v = fields[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`${where}: ${key} must be text`);
    return v.trim();
  };
  const kind = text('kind');
  if (kind === undefined || !(backendKinds as readonly string[]).includes(kind)) throw new UsageError(`${where}: kind must be one of ${backendKinds.join(', ')}`);
  const url = text('url');
  if (url === undefined) throw new UsageError(`${where}: url is missing`);
  const headers: Record<string, string> = {};
  const rawHeaders = fields.headers ?? {};
  if (typeof rawHeaders !== 'object' || rawHeaders === null || Array.isArray(rawHeaders)) throw new UsageError(`${where}: headers must map names to values`);
  for (const [header, v] of Object.entries(rawHeaders as Record<string, unknown>)) headers[header] = String(v);
  const backend: NamedBackend = { name, kind: kind as BackendKind, url, headers };
  const tokenEnv = text('token-env');
  if (tokenEnv !== undefined) backend.tokenEnv = tokenEnv;
  const uiUrl = text('ui-url');
  if (uiUrl !== undefined) backend.uiUrl = uiUrl;
  const datasource = text('datasource');
  if (datasource !== undefined) backend.datasource = datasource;
  return backend;
}

/** The named backend, or a configuration error naming the ones there are. */
export function findContext(file: ContextsFile | null, name: string, from: string): NamedBackend {
  const found = file?.backends.find((b) => b.name === name);
  if (found !== undefined) return found;
  if (file === null) throw new UsageError(`${from} names backend "${cleanText(name)}", but there is no config file: set XDG_CONFIG_HOME or HOME`);
  const names = file.backends.map((b) => b.name);
  const there = names.length === 0 ? `${file.path} names no backends` : `${file.path} has ${names.map(cleanText).join(', ')}`;
  throw new UsageError(`${from}: no backend named "${cleanText(name)}"; ${there}`);
}

/** Sets current-context, keeping the rest of the file (comments included) as it was. */
export async function useContext(io: Io, name: string): Promise<ContextsFile> {
  const file = await readContexts(io);
  findContext(file, name, 'config use');
  const path = file!.path;
  const doc: Document = parseDocument(await readFile(path, 'utf8'));
  if (!isMap(doc.contents)) throw new UsageError(`${path}: expected a map with current-context and backends`);
  const node = doc.get('current-context', true);
  if (isScalar(node)) node.value = name;
  else doc.set('current-context', name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, doc.toString());
  return { ...file!, current: name };
}
