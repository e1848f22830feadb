import { UsageError } from '../../model/errors.js';

/** The tracing backends tracectl speaks to; `--backend KIND:URL` takes these names. */
export const backendKinds = ['jaeger', 'tempo', 'zipkin'] as const;
export type BackendKind = (typeof backendKinds)[number];

/** How each backend names itself in messages ("is Jaeger running?"). */
export const backendTitles: Readonly<Record<BackendKind, string>> = { jaeger: 'Jaeger', tempo: 'Tempo', zipkin: 'Zipkin' };

/** Everything needed to talk to one backend, resolved from flags and the environment. */
export interface BackendConfig {
  kind: BackendKind;
  /** The base URL without credentials, query or fragment; a path is kept as a prefix (a proxy). */
  url: URL;
  /** Sent with every request: `--header`, credentials, tenancy. */
  headers: Record<string, string>;
  /** Values that must never be printed: tokens, passwords, credential header values. */
  secrets: string[];
  insecure: boolean;
  /** PEM text of `--ca-file`. */
  ca?: string;
  /** Per request: the longest wait for the headers, and between two chunks of the body. */
  timeoutMs: number;
  /** For the whole command. */
  deadlineMs: number;
  concurrency: number;
  /** The most traces a search fetches. */
  maxTraces: number;
  /** Tempo: ask for OTLP protobuf instead of JSON. */
  protobuf: boolean;
  /** `--allow-partial`: analyze what was fetched when some fetches fail, with a warning. */
  allowPartial?: boolean;
  /** The backend's web UI, where it is not the API's address (Grafana, for Tempo). */
  ui?: WebUi;
}

export interface WebUi {
  /** Base URL of the UI, as text (plain data: the config travels to worker threads). */
  url: string;
  /** Grafana: the uid of the Tempo data source (default "tempo"). */
  datasource?: string;
}

/**
 * Where a trace is seen in the backend's web UI: Jaeger's `/trace/<id>` and Zipkin's
 * `/zipkin/traces/<id>` on the backend's own address (or `ui.url`), Grafana Explore for Tempo,
 * which has no UI of its own: null for Tempo without `ui.url`.
 */
export function traceWebUrl(config: Pick<BackendConfig, 'kind' | 'url' | 'ui'>, traceId: string): string | null {
  const base = config.ui?.url ?? (config.kind === 'tempo' ? null : config.url.href);
  if (base === null) return null;
  const under = (path: string): string => new URL(path, base.endsWith('/') ? base : `${base}/`).href;
  if (config.kind === 'jaeger') return under(`trace/${traceId}`);
  if (config.kind === 'zipkin') return under(`zipkin/traces/${traceId}`);
  const uid = config.ui?.datasource ?? 'tempo';
  const pane = { datasource: uid, queries: [{ refId: 'A', datasource: { type: 'tempo', uid }, queryType: 'traceql', query: traceId }], range: { from: 'now-1h', to: 'now' } };
  return `${under('explore')}?left=${encodeURIComponent(JSON.stringify(pane))}`;
}

/** An epoch-milliseconds interval, both ends included. */
export interface TimeWindow {
  startMs: number;
  endMs: number;
}

export interface BackendSpec {
  kind: BackendKind;
  url: URL;
  /** Credentials written into the URL (`http://user:pass@host`), moved to a header. */
  user?: string;
  password?: string;
}

/** Parses `KIND:URL`; `from` names the flag or variable for the message. */
export function parseBackendSpec(text: string, from: string): BackendSpec {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const example = 'write e.g. jaeger:http://localhost:16686, tempo:http://localhost:3200 or zipkin:http://localhost:9411';
  if (!(backendKinds as readonly string[]).includes(kind) || colon < 0) {
    throw new UsageError(`${from} "${redactUserUrl(text)}" is not KIND:URL with KIND one of ${backendKinds.join(', ')}: ${example}`);
  }
  let url: URL;
  try {
    url = new URL(text.slice(colon + 1));
  } catch {
    throw new UsageError(`${from} "${redactUserUrl(text)}" does not hold a valid URL: ${example}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${from} "${redactUserUrl(text)}": the URL must start with http:// or https://`);
  }
  const spec: BackendSpec = { kind: kind as BackendKind, url };
  if (url.username !== '' || url.password !== '') {
    try {
      spec.user = decodeURIComponent(url.username);
      spec.password = decodeURIComponent(url.password);
    } catch {
      throw new UsageError(`${from} "${redactUserUrl(text)}": the user or password holds a malformed %-escape; write %25 for a literal %`);
    }
  }
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return spec;
}

/** `K: V` from `--header`. */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon < 0 ? '' : text.slice(0, colon).trim();
  // Nothing of the text is echoed: without a colon, any of it may be the credential.
  if (colon < 0) throw new UsageError("--header needs NAME: VALUE (it has no colon), e.g. --header 'X-Scope-OrgID: team-a'");
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(`--header "${name.length > 40 ? `${name.slice(0, 40)}…` : name}: …" is not NAME: VALUE: the name may hold only letters, digits and !#$%&'*+.^_\`|~-`);
  }
  const value = text.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value)) throw new UsageError(`--header ${name}: the value may not hold line breaks`);
  return [name, value];
}

/** Header names whose values are credentials (in addition to whatever --token and --user set). */
export const SECRET_HEADER = /auth|token|key|secret|cookie|session|passw/i;

/**
 * A time on the command line: RFC 3339 (`2026-11-01T10:00:00Z`, an offset instead of Z, or
 * fractional seconds) or epoch seconds (`1793527200`, fractions allowed).
 */
export function parseTimeOption(flag: string, text: string): number {
  const trimmed = text.trim();
  // A JavaScript date reaches 8.64e15 ms either side of 1970: past that, no time can be named.
  const inRange = (ms: number): boolean => Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const ms = Math.round(Number(trimmed) * 1000);
    if (inRange(ms)) return ms;
    throw new UsageError(`${flag} "${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is out of range: epoch seconds from 0 to 8640000000000`);
  }
  if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(trimmed)) {
    const ms = Date.parse(trimmed.replace(' ', 'T'));
    if (inRange(ms)) return ms;
  }
  throw new UsageError(`${flag} "${text}" is not a time: write RFC 3339 (2026-11-01T10:00:00Z) or epoch seconds`);
}

/**
 * A URL as it may appear in a message: without credentials. Up to the last `@` of the
 * word, so a password holding `/` (which makes the URL invalid) goes too.
 */
export function redactUrlText(text: string): string {
  return text.replace(/(\w+:\/\/)[^\s]*@/g, '$1***@');
}

/** A URL the user wrote, as a message repeats it: no credentials, no query values (tokens travel there). */
function redactUserUrl(text: string): string {
  return redactUrlText(text).replace(/([?&][^=&#\s]*=)[^&#\s]*/g, '$1***');
}
