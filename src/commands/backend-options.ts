import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Io } from '../io.js';
import { UsageError } from '../model/errors.js';
import { cleanText } from '../report/sanitize.js';
import { parseBackendSpec, parseHeader, parseTimeOption, SECRET_HEADER, traceWebUrl, type BackendConfig, type TimeWindow } from '../sources/backends/config.js';
import { countOption, durationOption, type CommonOptions } from './options.js';
import { findContext, readContexts, type NamedBackend } from './contexts.js';

/** Where a backend is and how to talk to it; every command takes these (see "Backends" in the README). */
export interface BackendOptions {
  /** `KIND:URL`; else TRACECTL_BACKEND. */
  backend?: string;
  /** A named backend of the config file; else TRACECTL_CONTEXT, else its current-context. */
  context?: string;
  /** The web UI (Grafana for Tempo); else TRACECTL_UI_URL, else the named backend's ui-url. */
  uiUrl?: string;
  header?: string[];
  /** Else TRACECTL_TOKEN. */
  token?: string;
  /** `USER:PASSWORD`; else TRACECTL_USER. */
  user?: string;
  orgId?: string;
  tenant?: string;
  insecure?: boolean;
  caFile?: string;
  since?: string;
  from?: string;
  to?: string;
  maxTraces?: string;
  concurrency?: string;
  timeout?: string;
  deadline?: string;
  protobuf?: boolean;
  allowPartial?: boolean;
}

/** Backend defaults (README "Backends"). */
export const BACKEND_DEFAULTS = { since: '1h', maxTraces: 1000, concurrency: 8, timeout: '30s', deadline: '5m' } as const;

/**
 * The backend to read from, or null for files: `--backend` or `--context` (flags), else
 * `TRACECTL_BACKEND` or `TRACECTL_CONTEXT` (environment), else the config file's
 * current-context (commands/contexts.ts). A flag together with file arguments is a usage
 * error (one source of truth per run); the environment and the config file apply only when
 * no file is named, so neither ever hides the files a user names.
 */
export async function resolveBackend(sources: readonly string[], opts: CommonOptions, io: Io): Promise<BackendConfig | null> {
  if (opts.backend !== undefined && opts.context !== undefined) throw new UsageError('--backend and --context both name the backend: keep one');
  const flag = opts.backend !== undefined ? '--backend' : opts.context !== undefined ? '--context' : null;
  if (flag !== null && sources.length > 0) {
    throw new UsageError(`${flag} reads traces from the backend, so ${cleanText(sources.join(', '))} would be ignored: drop the file arguments, or drop ${flag} to read the files`);
  }
  if (flag === null && sources.length > 0) return null;
  let named: NamedBackend | null = null;
  let text: string;
  let from: string;
  const envBackend = nonEmpty(io.env.TRACECTL_BACKEND?.trim());
  const envContext = nonEmpty(io.env.TRACECTL_CONTEXT?.trim());
  if (opts.backend !== undefined) [text, from] = [opts.backend, '--backend'];
  else if (opts.context !== undefined) [named, from] = [findContext(await readContexts(io), opts.context, '--context'), '--context'];
  else if (envBackend !== undefined) [text, from] = [envBackend, 'TRACECTL_BACKEND'];
  else if (envContext !== undefined) [named, from] = [findContext(await readContexts(io), envContext, 'TRACECTL_CONTEXT'), 'TRACECTL_CONTEXT'];
  else {
    const file = await readContexts(io);
    if (file?.current === null || file === null) return null;
    [named, from] = [findContext(file, file.current, `current-context of ${file.path}`), `backend "${file.current}" of ${file.path}`];
  }
  if (named !== null) text = `${named.kind}:${named.url}`;
  const spec = parseBackendSpec(text!, from);
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(named?.headers ?? {})) {
    const [checked, clean] = parseHeader(`${name}: ${value}`);
    headers[checked] = clean;
    if (SECRET_HEADER.test(checked)) secrets.push(clean);
  }
  for (const raw of opts.header ?? []) {
    const [name, value] = parseHeader(raw);
    headers[name] = value;
    if (SECRET_HEADER.test(name)) secrets.push(value);
  }
  const token = opts.token ?? nonEmpty(io.env.TRACECTL_TOKEN) ?? namedToken(named, io);
  const user = opts.user ?? nonEmpty(io.env.TRACECTL_USER) ?? (spec.user === undefined ? undefined : `${spec.user}:${spec.password ?? ''}`);
  if (token !== undefined && user !== undefined) throw new UsageError('give either a bearer token (--token, TRACECTL_TOKEN) or basic credentials (--user, TRACECTL_USER, or user:password in the URL), not both');
  const hasAuthHeader = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  if ((token !== undefined || user !== undefined) && hasAuthHeader) throw new UsageError('--header Authorization and --token/--user both set credentials: keep one');
  if (token !== undefined) {
    headers.authorization = `Bearer ${token}`;
    secrets.push(token, headers.authorization);
  } else if (user !== undefined) {
    const colon = user.indexOf(':');
    if (colon < 0) throw new UsageError('--user (or TRACECTL_USER) must be USER:PASSWORD');
    const password = user.slice(colon + 1);
    const basic = Buffer.from(user, 'utf8').toString('base64');
    headers.authorization = `Basic ${basic}`;
    secrets.push(basic, headers.authorization);
    if (password !== '') secrets.push(password);
  }
  for (const [name, value] of [['X-Scope-OrgID', opts.orgId], ['x-tenant', opts.tenant]] as const) {
    if (value === undefined) continue;
    if (value.trim() === '' || /[\r\n\0]/.test(value)) throw new UsageError(`${name === 'x-tenant' ? '--tenant' : '--org-id'} must be a non-empty single line`);
    headers[name] = value.trim();
  }
  let ca: string | undefined;
  if (opts.caFile !== undefined) {
    ca = await readFile(resolve(io.cwd, opts.caFile), 'utf8').catch((error: unknown) => {
      throw new UsageError(`cannot read --ca-file ${cleanText(opts.caFile!)}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    });
  }
  const config: BackendConfig = {
    kind: spec.kind,
    url: spec.url,
    headers,
    secrets: secrets.filter((s) => s !== ''),
    insecure: opts.insecure === true,
    timeoutMs: durationOption('--timeout', opts.timeout ?? BACKEND_DEFAULTS.timeout),
    deadlineMs: durationOption('--deadline', opts.deadline ?? BACKEND_DEFAULTS.deadline),
    concurrency: opts.concurrency === undefined ? BACKEND_DEFAULTS.concurrency : countOption('--concurrency', opts.concurrency),
    maxTraces: opts.maxTraces === undefined ? BACKEND_DEFAULTS.maxTraces : countOption('--max-traces', opts.maxTraces),
    protobuf: opts.protobuf === true,
    allowPartial: opts.allowPartial === true,
  };
  if (ca !== undefined) config.ca = ca;
  const uiUrl = opts.uiUrl ?? nonEmpty(io.env.TRACECTL_UI_URL) ?? named?.uiUrl;
  if (uiUrl !== undefined) {
    if (!URL.canParse(uiUrl) || !/^https?:$/.test(new URL(uiUrl).protocol)) throw new UsageError(`the web UI address "${cleanText(uiUrl)}" is not an http:// or https:// URL`);
    config.ui = { url: uiUrl };
    if (named?.datasource !== undefined) config.ui.datasource = named.datasource;
  }
  if (config.timeoutMs <= 0 || config.deadlineMs <= 0) throw new UsageError('--timeout and --deadline must be longer than 0');
  timeWindow(opts, io); // a bad --since/--from/--to is a usage error before anything is fetched
  return config;
}

/** The search window: `--from`/`--to` (RFC 3339 or epoch seconds), else the last `--since` (1h). */
export function timeWindow(opts: BackendOptions, io: Io): TimeWindow {
  if (opts.since !== undefined && opts.from !== undefined) throw new UsageError('--since and --from both set where the window starts: keep one');
  const endMs = opts.to === undefined ? io.now().getTime() : parseTimeOption('--to', opts.to);
  const startMs = opts.from === undefined ? endMs - durationOption('--since', opts.since ?? BACKEND_DEFAULTS.since) : parseTimeOption('--from', opts.from);
  // Epoch seconds start at 0 (parseTimeOption); a --since reaching before that is no window either.
  if (startMs < 0) throw new UsageError(`--since "${cleanText(opts.since ?? '')}" reaches back before 1970: accepted is up to ${Math.floor(endMs / 3_600_000)}h before the window's end`);
  if (startMs >= endMs) throw new UsageError(`the time window is empty: it starts (${new Date(startMs).toISOString()}) at or after it ends (${new Date(endMs).toISOString()})`);
  return { startMs, endMs };
}

/** For files the window applies only when asked for (`--since`, `--from`, `--to`): files have no "now". */
export function explicitWindow(opts: BackendOptions, io: Io): TimeWindow | null {
  return opts.since === undefined && opts.from === undefined && opts.to === undefined ? null : timeWindow(opts, io);
}

/** A named backend's token, from the variable it names: the config file never holds one. */
function namedToken(named: NamedBackend | null, io: Io): string | undefined {
  if (named?.tokenEnv === undefined) return undefined;
  const token = nonEmpty(io.env[named.tokenEnv]);
  if (token === undefined) throw new UsageError(`backend "${cleanText(named.name)}" takes its token from ${cleanText(named.tokenEnv)}, which is not set`);
  return token;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}


/** Where the backend's web UI shows a trace: null when traces come from files, or the UI is not known (Tempo without a Grafana URL). */
export function webUrlOf(backend: BackendConfig | null): ((traceId: string) => string | null) | null {
  return backend === null ? null : (traceId) => traceWebUrl(backend, traceId);
}
