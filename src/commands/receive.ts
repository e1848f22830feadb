import { resolve } from 'node:path';
import { Command } from 'commander';
import type { Io } from '../io.js';
import { UsageError } from '../model/errors.js';
import type { ReceiveJson } from '../report/json-contract.js';
import { renderJson } from '../report/json.js';
import { renderReceiveStatus, renderReceiveSummary } from '../report/receive.js';
import { cleanText } from '../report/sanitize.js';
import { OtlpLinesFile } from '../sources/receiver/out-file.js';
import { formatAddress, startReceivers, type ListenAddress, type Receivers } from '../sources/receiver/receivers.js';
import { durationOption } from './options.js';

export interface ReceiveOptions {
  http?: string;
  /** An address, or "off". */
  grpc?: string;
  out?: string;
  maxBody?: string;
  exitAfter?: string;
  exitWhenIdle?: string;
  json?: boolean;
}

export const DEFAULT_HTTP = '127.0.0.1:4318';
export const DEFAULT_GRPC = '127.0.0.1:4317';
export const DEFAULT_OUT = 'traces.otlp.jsonl';
const DEFAULT_MAX_BODY = '16MiB';

/**
 * `HOST:PORT`, `[IPv6]:PORT`, or a bare `PORT` (loopback). Any other interface has to be
 * named: tracectl has no authentication.
 */
export function parseListenAddress(flag: string, text: string): ListenAddress {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]*):(\d+)$/.exec(text) ?? /^()(\d+)$/.exec(text);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || !Number.isInteger(port) || port > 65535) throw new UsageError(`${flag} "${cleanText(text)}" is not an address: write HOST:PORT, e.g. 127.0.0.1:4318`);
  return { host: match[1] === '' ? '127.0.0.1' : match[1]!, port };
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, kib: 2 ** 10, mb: 1e6, mib: 2 ** 20, gb: 1e9, gib: 2 ** 30 };

/** `16MiB`, `512KiB`, `1MB`, `1048576`. */
export function sizeOption(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match === null ? undefined : SIZE_UNITS[match[2]!.toLowerCase()];
  const bytes = match === null || unit === undefined ? NaN : Math.floor(Number(match[1]) * unit);
  if (!(bytes >= 1)) throw new UsageError(`${flag} "${cleanText(text)}" is not a size: write e.g. 16MiB, 512KiB or a number of bytes`);
  return bytes;
}

/** The receivers and the file they write, opened together and closed together. */
export interface Reception {
  receivers: Receivers;
  out: OtlpLinesFile;
  startedAt: number;
  /** Stops listening, lets requests in flight finish, closes the file. */
  close(): Promise<void>;
  summary(): ReceiveJson;
}

export async function startReception(options: { http: ListenAddress; grpc: ListenAddress | null; out: string; maxBodyBytes: number; truncate?: boolean }, io: Io): Promise<Reception> {
  const out = await OtlpLinesFile.open(resolve(io.cwd, options.out), options.out, options.truncate);
  let receivers: Receivers;
  try {
    receivers = await startReceivers({ http: options.http, grpc: options.grpc, maxBodyBytes: options.maxBodyBytes, store: (spans) => out.append(spans) });
  } catch (error) {
    await out.close();
    throw error;
  }
  const startedAt = Date.now();
  return {
    receivers,
    out,
    startedAt,
    async close() {
      await receivers.close();
      await out.close();
    },
    summary() {
      const { tally } = receivers;
      return {
        out: options.out,
        http: formatAddress(receivers.http),
        grpc: receivers.grpc === null ? null : formatAddress(receivers.grpc),
        requests: tally.requests,
        spans: tally.spans,
        traces: tally.traces,
        errors: tally.errors,
        rejectedSpans: tally.rejectedSpans,
        durationMs: Date.now() - startedAt,
      };
    },
  };
}

/** How often the live line is redrawn and the idle time checked. */
const TICK_MS = 200;

/**
 * `tracectl receive`: listens until SIGINT/SIGTERM, --exit-after or --exit-when-idle, then
 * lets requests in flight finish, closes the file and prints the summary. Exit 0; an
 * address in use or an unwritable file is exit 3 before anything is received.
 */
export async function runReceive(opts: ReceiveOptions, io: Io): Promise<number> {
  const http = parseListenAddress('--http', opts.http ?? DEFAULT_HTTP);
  const grpc = opts.grpc === 'off' ? null : parseListenAddress('--grpc', opts.grpc ?? DEFAULT_GRPC);
  const maxBodyBytes = sizeOption('--max-body', opts.maxBody ?? DEFAULT_MAX_BODY);
  const exitAfterMs = opts.exitAfter === undefined ? null : durationOption('--exit-after', opts.exitAfter);
  const idleMs = opts.exitWhenIdle === undefined ? null : durationOption('--exit-when-idle', opts.exitWhenIdle);
  const out = opts.out ?? DEFAULT_OUT;
  // Listened for from the start: a signal while the receivers start stops it cleanly too.
  let signalled = false;
  let onStop = (): void => {
    signalled = true;
  };
  const unsubscribe = io.onSignal?.(() => onStop());
  let reception: Reception;
  try {
    reception = await startReception({ http, grpc, out, maxBodyBytes }, io);
  } catch (error) {
    unsubscribe?.();
    throw error;
  }
  const { tally } = reception.receivers;
  const listening = reception.summary();
  io.stderr.write(`tracectl: receiving OTLP on http://${listening.http}/v1/traces${listening.grpc === null ? '' : ` and grpc ${listening.grpc}`}; appending to ${out}\n`);

  const live = io.stderr.isTTY;
  const width = io.stderr.columns ?? 80;
  await new Promise<void>((stop) => {
    const timer = setInterval(() => {
      const now = Date.now();
      if (exitAfterMs !== null && now - reception.startedAt >= exitAfterMs) return finish();
      if (idleMs !== null && tally.inFlight === 0 && now - Math.max(reception.startedAt, tally.lastActivity) >= idleMs) return finish();
      if (live) io.stderr.write(`\r\u001b[2K${renderReceiveStatus(reception.summary(), recentLines(reception), width)}`);
    }, Math.min(TICK_MS, exitAfterMs ?? TICK_MS, idleMs ?? TICK_MS));
    function finish(): void {
      clearInterval(timer);
      unsubscribe?.();
      stop();
    }
    onStop = finish;
    if (signalled) finish();
  });
  if (live) io.stderr.write('\r\u001b[2K');
  await reception.close();
  const summary = reception.summary();
  io.stdout.write(opts.json ? renderJson(summary) : renderReceiveSummary(summary));
  return 0;
}

function recentLines(reception: Reception): { traceId: string; durationMs: number; error: boolean }[] {
  return reception.receivers.tally.recentTraces().map((t) => ({ traceId: t.traceId, durationMs: Number(t.endNs - t.startNs) / 1e6, error: t.error }));
}

export function receiveCommand(io: Io, done: (code: number) => void): Command {
  return new Command('receive')
    .description('an OTLP receiver (HTTP and gRPC): writes every span it gets to a file every command reads')
    .option('--http <addr>', `OTLP/HTTP address, HOST:PORT (default ${DEFAULT_HTTP}; another interface must be named)`)
    .option('--grpc <addr>', `OTLP/gRPC address, HOST:PORT, or "off" (default ${DEFAULT_GRPC})`)
    .option('--out <file>', `append spans here as Collector JSON lines (default ${DEFAULT_OUT})`)
    .option('--max-body <size>', `largest request, before and after decompression (default ${DEFAULT_MAX_BODY})`)
    .option('--exit-after <duration>', 'stop after this long, e.g. 30s')
    .option('--exit-when-idle <duration>', 'stop once no request has arrived for this long, e.g. 5s')
    .option('--json', 'print the summary as JSON (schema tracectl/v1)')
    .addHelpText('after', `
Stops on Ctrl-C (SIGINT) or SIGTERM, with every received span written; then prints a summary.

Examples:
  $ tracectl receive --exit-when-idle 10s
  $ tracectl receive --grpc off --http 127.0.0.1:4318 --out run.otlp.jsonl
  $ tracectl receive --http 0.0.0.0:4318 --exit-after 5m --json
`)
    .action(async (raw: ReceiveOptions) => {
      done(await runReceive(raw, io));
    });
}
