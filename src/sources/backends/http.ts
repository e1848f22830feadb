import type * as Undici from 'undici';
import type { Agent } from 'undici';
import { InputError } from '../../model/errors.js';
import { backendTitles, redactUrlText, type BackendConfig, type BackendKind } from './config.js';

/**
 * Limits and retry timing of every backend request. Tests shrink the delays and the size
 * cap here; `sleep` and `random` are the seams that keep retry tests instant and exact.
 */
export const httpTuning = {
  /** A bigger body ends the command (exit 3): a backend answering with gigabytes is a query to narrow. */
  maxResponseBytes: 256 * 1024 * 1024,
  /** Retries after the first attempt, for connection resets, 429, 502, 503 and 504. */
  retries: 3,
  /** Exponential backoff with full jitter: a random wait up to base·2^attempt, at most `backoffMaxMs`. */
  backoffBaseMs: 250,
  backoffMaxMs: 4_000,
  /** `Retry-After` is honoured up to this wait. */
  retryAfterMaxMs: 30_000,
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
  random: (): number => Math.random(),
};

const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
/** Network failures worth another try: the connection went away, the request itself was fine. */
const RETRY_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);
/** Error bodies are read this far for the message. */
const ERROR_BODY_BYTES = 16 * 1024;

export interface HttpGet {
  /** Below the base URL's path, starting with `/`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  accept?: string;
  /** Statuses handed back to the caller (e.g. 404 for "not found") instead of failing. */
  pass?: readonly number[];
}

export interface HttpResult {
  status: number;
  body: Buffer;
  contentType: string;
  /** For messages: origin and path, no query. */
  url: string;
}

/** Where the client says what it does (`--verbose`); already free of secrets when called. */
export type HttpLog = (line: string) => void;

/** Thrown (as the reason) when the total deadline or `close()` stops requests in flight. */
class Stopped extends Error {}

/** Thrown (as the reason) when one request waited longer than `--timeout` for headers or for more body. */
class TimedOut extends Error {
  constructor(readonly phase: 'headers' | 'body') {
    super(`${phase} timeout`);
  }
}

/**
 * The one HTTP layer under the Jaeger, Tempo and Zipkin clients: a keep-alive pool, bounded
 * concurrency, per-request timeouts, a total deadline, retries with backoff and jitter, a
 * response-size cap, and failures as one sentence naming the URL and the cause. Nothing it
 * prints holds a credential: header values are never logged and every message passes
 * through `redact`.
 *
 * undici is imported lazily so runs that read only files never load it.
 */
export class HttpClient {
  private readonly stop = new AbortController();
  private readonly deadlineTimer: NodeJS.Timeout;
  private readonly deadlineAt: number;
  private stoppedBy: 'deadline' | 'closed' | null = null;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  private constructor(
    private readonly undici: typeof Undici,
    private readonly agent: Agent,
    private readonly config: BackendConfig,
    private readonly log: HttpLog | undefined,
  ) {
    this.deadlineAt = Date.now() + config.deadlineMs;
    this.deadlineTimer = setTimeout(() => this.halt('deadline'), config.deadlineMs);
    this.deadlineTimer.unref();
  }

  static async open(config: BackendConfig, log?: HttpLog): Promise<HttpClient> {
    const undici = await import('undici');
    const agent = new undici.Agent({
      connections: config.concurrency,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      headersTimeout: config.timeoutMs,
      bodyTimeout: config.timeoutMs,
      connect: { rejectUnauthorized: !config.insecure, ...(config.ca === undefined ? {} : { ca: config.ca }), timeout: config.timeoutMs },
    });
    return new HttpClient(undici, agent, config, log);
  }

  get kind(): BackendKind {
    return this.config.kind;
  }

  /** The backend as messages name it: `jaeger at http://localhost:16686`. */
  get label(): string {
    return `${this.config.kind} at ${this.origin}`;
  }

  private get origin(): string {
    const { url } = this.config;
    const path = url.pathname.replace(/\/+$/, '');
    return `${url.origin}${path}`;
  }

  /** Replaces every credential in `text`. */
  redact(text: string): string {
    return redactSecrets(text, this.config.secrets);
  }

  /** GET with retries; resolves with a 2xx (or a `pass` status), else fails with one sentence. */
  async get(request: HttpGet): Promise<HttpResult> {
    const url = this.urlFor(request);
    const shown = this.redact(`${url.origin}${url.pathname}`);
    const headers: Record<string, string> = { ...this.config.headers, accept: request.accept ?? 'application/json' };
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      let outcome: { result: HttpResult } | { retryable: true; why: string; retryAfterMs?: number; final: Error };
      await this.acquire();
      try {
        outcome = await this.attempt(url, shown, headers, request, attempt);
      } finally {
        this.release();
      }
      if ('result' in outcome) {
        this.log?.(this.redact(`GET ${url.href} → ${outcome.result.status}, ${formatBytes(outcome.result.body.length)} in ${Date.now() - started} ms`));
        return outcome.result;
      }
      if (attempt >= httpTuning.retries) throw outcome.final;
      const backoff = Math.min(httpTuning.backoffMaxMs, httpTuning.backoffBaseMs * 2 ** attempt) * httpTuning.random();
      const waitMs = Math.round(outcome.retryAfterMs ?? backoff);
      this.log?.(this.redact(`GET ${url.href}: ${outcome.why}; retrying in ${waitMs} ms (attempt ${attempt + 2} of ${httpTuning.retries + 1})`));
      await this.pause(waitMs, outcome.final);
    }
  }

  /** Parses a JSON body, or fails with a sentence saying what came instead. */
  json(result: HttpResult): unknown {
    const text = result.body.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      const start = snippet(text, 40, this.config.secrets);
      const html = /^\s*</.test(text) ? ' (an HTML page: is the URL the API rather than a web UI or a login page?)' : '';
      throw new InputError(
        this.redact(
          `${this.kind} sent a body that is not JSON for ${result.url}${start === '' ? ' (it was empty)' : ` (it starts "${start}")`}${html}; check that --backend points at the ${backendTitles[this.kind]} API`,
        ),
      );
    }
  }

  /** The failure for JSON that is not what this endpoint returns. */
  unexpected(result: HttpResult, expected: string): InputError {
    return new InputError(
      this.redact(`${this.kind} answered ${result.url} with JSON of an unexpected shape (expected ${expected}); is --backend the right kind of backend?`),
    );
  }

  /** Like `json`, but undefined instead of an error: for probing which API version answers. */
  tryJson(result: HttpResult): unknown {
    try {
      return JSON.parse(result.body.toString('utf8'));
    } catch {
      return undefined;
    }
  }

  /** Ends everything in flight and closes the pool. */
  async close(): Promise<void> {
    clearTimeout(this.deadlineTimer);
    this.halt('closed');
    await this.agent.destroy().catch(() => undefined);
  }

  private halt(reason: 'deadline' | 'closed'): void {
    if (this.stoppedBy !== null) return;
    this.stoppedBy = reason;
    this.stop.abort(new Stopped(reason));
  }

  private urlFor(request: HttpGet): URL {
    const url = new URL(this.config.url.href);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${request.path}`;
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  private async attempt(
    url: URL,
    shown: string,
    headers: Record<string, string>,
    request: HttpGet,
    attempt: number,
  ): Promise<{ result: HttpResult } | { retryable: true; why: string; retryAfterMs?: number; final: Error }> {
    this.throwIfStopped();
    // Our own idle timer: undici's timeouts tick once a second, too coarse for short --timeout values.
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(new TimedOut('headers')), this.config.timeoutMs);
    const rearm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new TimedOut('body')), this.config.timeoutMs);
    };
    try {
      let response: Awaited<ReturnType<typeof this.undici.request>>;
      try {
        response = await this.undici.request(url, {
          method: 'GET',
          headers,
          dispatcher: this.agent,
          signal: AbortSignal.any([this.stop.signal, idle.signal]),
          headersTimeout: this.config.timeoutMs,
          bodyTimeout: this.config.timeoutMs,
        });
      } catch (error) {
        return this.networkFailure(error, shown, attempt);
      }
      rearm();
      // Destroying a body we stop reading emits an error nobody else listens for.
      response.body.on('error', () => undefined);
      const status = response.statusCode;
      const contentType = headerText(response.headers['content-type']);
      const ok = (status >= 200 && status < 300) || (request.pass ?? []).includes(status);
      if (!ok) {
        const text = await readSome(response.body, ERROR_BODY_BYTES);
        const failure = this.statusFailure(status, shown, text, headerText(response.headers.location), attempt);
        if (RETRY_STATUSES.has(status)) {
          const retryAfterMs = parseRetryAfter(headerText(response.headers['retry-after']), Date.now());
          return { retryable: true, why: `answered ${status}`, retryAfterMs, final: failure };
        }
        throw failure;
      }
      const declared = Number(headerText(response.headers['content-length']));
      if (Number.isFinite(declared) && declared > httpTuning.maxResponseBytes) {
        response.body.destroy();
        throw this.tooLarge(shown);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of response.body) {
          rearm();
          const buffer = chunk as Buffer;
          size += buffer.length;
          if (size > httpTuning.maxResponseBytes) {
            response.body.destroy();
            throw this.tooLarge(shown);
          }
          chunks.push(buffer);
        }
      } catch (error) {
        if (error instanceof InputError) throw error;
        return this.networkFailure(error, shown, attempt, true);
      }
      return { result: { status, body: Buffer.concat(chunks, size), contentType, url: shown } };
    } finally {
      clearTimeout(timer);
    }
  }

  private networkFailure(error: unknown, shown: string, attempt: number, midBody = false): { retryable: true; why: string; final: Error } {
    const codes = errorCodes(error);
    const final = this.describeNetworkError(error, codes, shown, attempt, midBody);
    if (codes.some((c) => RETRY_CODES.has(c))) return { retryable: true, why: midBody ? 'the body was cut off' : 'the connection was reset', final };
    throw final;
  }

  private describeNetworkError(error: unknown, codes: string[], shown: string, attempt: number, midBody: boolean): InputError {
    const title = backendTitles[this.kind];
    const tries = attempt > 0 ? ` (${attempt + 1} attempts)` : '';
    const has = (...wanted: string[]): boolean => codes.some((c) => wanted.includes(c));
    let sentence: string;
    if (error instanceof Stopped || this.stoppedBy !== null) {
      sentence =
        this.stoppedBy === 'deadline'
          ? `gave up on ${shown}: the command ran past its total deadline of ${formatMs(this.config.deadlineMs)} (--deadline); narrow the time window or the filters, or raise --deadline`
          : `stopped waiting for ${shown}`;
    } else if (has('ECONNREFUSED')) {
      sentence = `cannot reach ${this.origin}: connection refused — is ${title} running?`;
    } else if (has('ENOTFOUND', 'EAI_AGAIN')) {
      sentence = `cannot reach ${this.origin}: host ${this.config.url.hostname} not found — check the URL in --backend`;
    } else if (has('UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH')) {
      sentence = `cannot reach ${this.origin}: the connection timed out — check the URL in --backend and the network`;
    } else if (error instanceof TimedOut || has('UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT')) {
      const part = (error instanceof TimedOut && error.phase === 'body') || has('UND_ERR_BODY_TIMEOUT') ? 'stopped sending' : 'did not answer';
      sentence = `${this.kind} ${part} within ${formatMs(this.config.timeoutMs)} for ${shown}: raise --timeout, or narrow the time window or the filters`;
    } else if (codes.some((c) => /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(c))) {
      const reason = error instanceof Error ? error.message : String(error);
      sentence = `cannot reach ${this.origin}: TLS failed (${reason}) — pass --ca-file with the server's CA certificate, or --insecure to skip verification`;
    } else if (midBody || has('UND_ERR_RES_CONTENT_LENGTH_MISMATCH')) {
      sentence = `the answer from ${shown} was cut off${tries}: the connection closed before the whole body arrived`;
    } else if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED')) {
      sentence = `${this.kind} closed the connection for ${shown}${tries} without answering — is ${title} (or a proxy in front of it) healthy?`;
    } else {
      const reason = error instanceof Error ? error.message : String(error);
      sentence = `cannot reach ${this.origin}: ${reason}`;
    }
    return new InputError(this.redact(sentence), { cause: error });
  }

  private statusFailure(status: number, shown: string, body: string, location: string, attempt: number): InputError {
    const detail = errorDetail(body, this.config.secrets);
    const said = detail === '' ? '' : ` ("${detail}")`;
    const head = `${this.kind} answered ${status} for ${shown}`;
    let sentence: string;
    if (status === 401 || status === 403) {
      const hints = { jaeger: '--token, --user or --tenant', tempo: '--token, --user or --org-id', zipkin: '--token or --user' }[this.kind];
      sentence = `${head}${said}: check ${hints}`;
    } else if (status >= 300 && status < 400) {
      sentence = `${head} (a redirect${location === '' ? '' : ` to ${location}`}): point --backend at the final URL, or check the credentials if it leads to a login page`;
    } else if (status === 404) {
      sentence = `${head}${said}: is this the ${backendTitles[this.kind]} API? check the URL in --backend`;
    } else if (RETRY_STATUSES.has(status)) {
      sentence = `${head}${said} after ${attempt + 1} attempt${attempt === 0 ? '' : 's'}: the backend is overloaded or down; try again later or narrow the query`;
    } else {
      sentence = `${head}${said}`;
    }
    return new InputError(this.redact(sentence));
  }

  private tooLarge(shown: string): InputError {
    return new InputError(
      this.redact(`the answer from ${shown} is larger than ${formatBytes(httpTuning.maxResponseBytes)}: narrow the time window or the filters, or lower --max-traces`),
    );
  }

  private throwIfStopped(): void {
    if (this.stoppedBy !== null) throw this.describeNetworkError(new Stopped(this.stoppedBy), [], this.origin, 0, false);
  }

  /** Waits before a retry, unless the deadline would pass first: then the last failure stands. */
  private async pause(ms: number, final: Error): Promise<void> {
    if (this.stoppedBy !== null || Date.now() + ms >= this.deadlineAt) throw final;
    await httpTuning.sleep(ms);
    if (this.stoppedBy !== null) throw final;
  }

  private async acquire(): Promise<void> {
    if (this.active < this.config.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/**
 * `Retry-After` as a wait in ms: delay-seconds or an HTTP date, capped; undefined when
 * absent or unreadable (the caller's backoff applies then).
 */
export function parseRetryAfter(value: string, nowMs: number): number | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else if (!/[a-z]/i.test(text)) return undefined;
  else {
    const at = Date.parse(text);
    if (!Number.isFinite(at)) return undefined;
    ms = Math.max(0, at - nowMs);
  }
  return Math.min(ms, httpTuning.retryAfterMaxMs);
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** Every `code` along an error's cause chain (undici wraps system errors). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = current.cause;
  }
  return codes;
}

async function readSome(body: AsyncIterable<unknown> & { destroy(): unknown }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      chunks.push(buffer);
      size += buffer.length;
      if (size >= limit) {
        body.destroy();
        break;
      }
    }
  } catch {
    // An error body that breaks off still says what it said so far.
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** The message inside an error body: Jaeger's JSON errors, else the body's first line. */
function errorDetail(body: string, secrets: readonly string[]): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const o = parsed as Record<string, unknown>;
      const error = o.error;
      if (typeof error === 'object' && error !== null && typeof (error as Record<string, unknown>).message === 'string') {
        return snippet((error as Record<string, unknown>).message as string, 200, secrets);
      }
      if (typeof error === 'string') return snippet(error, 200, secrets);
      const errors = o.errors;
      if (Array.isArray(errors) && errors.length > 0) {
        const first = errors[0] as Record<string, unknown> | null;
        if (first && typeof first.msg === 'string') return snippet(first.msg, 200, secrets);
      }
      if (typeof o.message === 'string') return snippet(o.message, 200, secrets);
    }
  } catch {
    // not JSON: plain text
  }
  if (/^\s*</.test(body)) return '';
  return snippet(body, 200, secrets, Buffer.byteLength(body) >= ERROR_BODY_BYTES);
}

/**
 * The first line of `text`, at most `max` characters, without control characters and
 * credentials. Redacted before it is cut (a cut secret no longer matches), and a secret's
 * beginning left at the cut goes too, as at the end of a body read only in part (`readInPart`).
 */
function snippet(text: string, max: number, secrets: readonly string[], readInPart = false): string {
  // eslint-disable-next-line no-control-regex
  const whole = (text.trim().split('\n')[0] ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  const firstLineWhole = !readInPart || text.includes('\n');
  const line = firstLineWhole ? redactSecrets(whole, secrets) : redactCutEdge(redactSecrets(whole, secrets), secrets);
  return line.length > max ? `${redactCutEdge(line.slice(0, max), secrets)}…` : line;
}

/** Every credential in `text` replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = redactUrlText(text);
  // Longest first: `Bearer <token>` goes whole rather than leaving `Bearer ***`.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret === '') continue;
    // A secret of a character or two would mask those letters everywhere (`http` with a
    // password `p`): such a one is redacted where it stands alone, not inside words.
    out = secret.length < 3 ? out.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(secret)}(?![A-Za-z0-9])`, 'g'), '***') : out.split(secret).join('***');
  }
  return out;
}

/** `text` without a secret's beginning at its end, where a cut may have left part of one. */
export function redactCutEdge(text: string, secrets: readonly string[]): string {
  for (const secret of secrets) {
    for (let k = Math.min(secret.length - 1, text.length); k > 0; k--) {
      if (text.endsWith(secret.slice(0, k))) return `${text.slice(0, text.length - k)}***`;
    }
  }
  return text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${Math.round(n / (1024 * 1024))} MB`;
}

export function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
