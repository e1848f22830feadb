import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { Io } from '../io.js';
import { InputError } from '../model/errors.js';
import { plural } from '../model/text.js';
import { cleanText } from '../report/sanitize.js';
import { formatAddress } from '../sources/receiver/receivers.js';
import { runAnalyze } from './analyze.js';
import { addCheckOptions, loadBudgets, runCheck, type CheckOptions } from './check.js';
import { addCommonOptions, addFilterOptions, durationOption, type CommonOptions, type FilterOptions } from './options.js';
import { sizeOption, startReception } from './receive.js';

export interface RunOptions extends CommonOptions, FilterOptions, Partial<Omit<CheckOptions, 'sources'>> {
  /** The command and its arguments, after `--`. */
  command: string[];
  out?: string;
  flushTimeout?: string;
  maxBody?: string;
  top?: string;
}

const DEFAULT_FLUSH_TIMEOUT = '2s';

/** The OTLP protocols an SDK reads from OTEL_EXPORTER_OTLP_PROTOCOL. */
type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/**
 * The protocol the command's exporter will use: the one its environment already names (an
 * app built for gRPC keeps gRPC), else http/protobuf, the specification's default.
 */
function protocolFor(env: Io['env']): OtlpProtocol {
  const named = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  return named === 'grpc' || named === 'http/json' ? named : 'http/protobuf';
}

/**
 * `tracectl run -- <command>`: receives OTLP on free loopback ports while the command runs
 * with its exporter pointed there, waits until spans stop arriving, then checks the budgets
 * (or prints the analyze summary) over what arrived. Exit: the command's own code when it
 * failed, else the check's; no spans at all is exit 3.
 */
export async function runRun(opts: RunOptions, io: Io): Promise<number> {
  const flushMs = durationOption('--flush-timeout', opts.flushTimeout ?? DEFAULT_FLUSH_TIMEOUT);
  const maxBodyBytes = sizeOption('--max-body', opts.maxBody ?? '16MiB');
  // A bad budgets file is exit 2 before the command runs, not after.
  if (opts.budgets !== undefined) await loadBudgets(opts.budgets, io);
  const scratch = opts.out === undefined ? await mkdtemp(join(tmpdir(), 'tracectl-run-')) : null;
  const out = opts.out ?? join(scratch!, 'traces.otlp.jsonl');
  try {
    const protocol = protocolFor(io.env);
    const loopback = { host: '127.0.0.1', port: 0 };
    const reception = await startReception({ http: loopback, grpc: protocol === 'grpc' ? loopback : null, out, maxBodyBytes, truncate: true }, io);
    let commandCode: number;
    try {
      const endpoint = `http://${formatAddress(protocol === 'grpc' ? reception.receivers.grpc! : reception.receivers.http)}`;
      commandCode = await runChild(opts.command, {
        ...io.env,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        // The signal-specific endpoint is used as is: for OTLP/HTTP it carries the path.
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: protocol === 'grpc' ? endpoint : `${endpoint}/v1/traces`,
      }, io);
      await quietPeriod(reception.receivers.tally, flushMs);
    } finally {
      await reception.close();
    }
    const { spans, traces } = reception.summary();
    const commandText = cleanText(opts.command.join(' '));
    if (spans === 0) {
      const disabled = io.env.OTEL_SDK_DISABLED === 'true' ? ' (OTEL_SDK_DISABLED is true here: unset it)' : ' and OTEL_SDK_DISABLED not set to true';
      const sentence = `no spans arrived from "${commandText}": is an OpenTelemetry SDK installed and started in it with an OTLP trace exporter${disabled}?`;
      if (commandCode !== 0) {
        io.stderr.write(`tracectl: ${sentence}\n`);
        return commandCode;
      }
      throw new InputError(sentence);
    }
    io.stderr.write(`tracectl: ${plural(spans, 'span')} in ${plural(traces, 'trace')} from "${commandText}"\n`);
    const sources = [out];
    const verdict = opts.budgets !== undefined ? await runCheck({ ...opts, budgets: opts.budgets, sources }, io) : await runAnalyze({ ...opts, sources }, io);
    return commandCode !== 0 ? commandCode : verdict;
  } finally {
    if (scratch !== null) await rm(scratch, { recursive: true, force: true });
  }
}

/** Runs the command with stdio passed through and SIGINT/SIGTERM forwarded; resolves to its exit code (128 + the signal's number when a signal ended it). */
function runChild(command: readonly string[], env: Record<string, string | undefined>, io: Io): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env, cwd: io.cwd });
    const unsubscribe = io.onSignal?.((signal) => child.kill(signal));
    child.on('error', (error: NodeJS.ErrnoException) => {
      unsubscribe?.();
      const why = error.code === 'ENOENT' ? 'no such program' : error.code === 'EACCES' ? 'permission denied' : error.message;
      reject(new InputError(`cannot run "${cleanText(command[0]!)}": ${why}`, { cause: error }));
    });
    child.on('exit', (code, signal) => {
      unsubscribe?.();
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}

/** Batch span processors export late: wait until nothing has arrived, and nothing is in flight, for `quietMs`. */
async function quietPeriod(tally: { inFlight: number; lastActivity: number }, quietMs: number): Promise<void> {
  const exitedAt = Date.now();
  for (;;) {
    const left = Math.max(exitedAt, tally.lastActivity) + quietMs - Date.now();
    if (left <= 0 && tally.inFlight === 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.max(10, Math.min(left, 100))));
  }
}

export function runCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('run')
    .description('runs a command with its OpenTelemetry exporter pointed at tracectl, then checks budgets on (or analyzes) the spans it sent')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('--budgets <file>', 'check these budgets on what arrived (exit 1 when one is broken); without it, print the analyze summary')
    .option('--out <file>', 'also keep the spans in this file (Collector JSON lines; started afresh)')
    .option('--flush-timeout <duration>', `after the command exits, wait until no span has arrived for this long (default ${DEFAULT_FLUSH_TIMEOUT})`)
    .option('--max-body <size>', 'largest export request (default 16MiB)')
    .option('--top <n>', 'without --budgets: rows per section of the summary (default 5)');
  addCheckOptions(cmd);
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd
    .addHelpText('after', `
Sets OTEL_TRACES_EXPORTER=otlp, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL and their
TRACES_ variants for the command (gRPC when its environment already asks for grpc, else http/protobuf).

Exit codes: the command's own when it failed; else 0, or 1 when a budget is broken; 3 when no span arrived.

Examples:
  $ tracectl run --budgets budgets.yaml -- node app.js
  $ tracectl run --junit junit.xml --budgets budgets.yaml -- npm test
  $ tracectl run --out run.otlp.jsonl -- python app.py
`)
    .action(async (command: string[], raw: Omit<RunOptions, 'command'>) => {
      done(await runRun({ ...raw, command }, io));
    });
}
