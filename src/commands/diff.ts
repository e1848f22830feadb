import { Command } from 'commander';
import { DEFAULT_TOLERANCE, diffTraces, type DiffTolerance } from '../analyze/diff.js';
import type { Io } from '../io.js';
import { InputError, UsageError } from '../model/errors.js';
import { parseTraceIdInput } from '../model/ids.js';
import type { Trace } from '../model/span.js';
import { traceById } from '../pipeline/read.js';
import { diffJson, renderDiff } from '../report/diff.js';
import { renderJson } from '../report/json.js';
import { cleanText } from '../report/sanitize.js';
import { addCommonOptions, durationOption, renderContext, type CommonOptions } from './options.js';
import { readSelected } from './read.js';
import { resolveBackend } from './backend-options.js';

export interface DiffOptions extends CommonOptions {
  traceA: string;
  traceB: string;
  sources: string[];
  tolerance?: string;
  toleranceMs?: string;
}

function toleranceOption(text: string): number {
  const n = Number(text.trim().replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--tolerance "${text}" is not a percentage: write e.g. 20%`);
  return n / 100;
}

export async function runDiff(opts: DiffOptions, io: Io): Promise<number> {
  for (const id of [opts.traceA, opts.traceB]) {
    if (parseTraceIdInput(id) === null) throw new UsageError(`"${cleanText(id)}" is not a trace id: give 16 or 32 hex digits`);
  }
  const tolerance: DiffTolerance = {
    ratio: opts.tolerance === undefined ? DEFAULT_TOLERANCE.ratio : toleranceOption(opts.tolerance),
    ms: opts.toleranceMs === undefined ? DEFAULT_TOLERANCE.ms : durationOption('--tolerance-ms', opts.toleranceMs),
  };
  const load = async (id: string): Promise<Trace> => {
    const trace = await readSelected(opts.sources, opts, io, (plan, ctx) => traceById(plan, id, ctx));
    if (!trace) {
      const where = opts.sources.length > 0 ? opts.sources.join(', ') : 'stdin';
      throw new InputError(`trace ${cleanText(id)} not found in ${cleanText(where)}; check the id, or run "tracectl find" to list the traces there`);
    }
    return trace;
  };
  if (opts.sources.length === 0 && (await resolveBackend(opts.sources, opts, io)) === null) {
    throw new UsageError('diff reads its sources twice: name trace files or a backend (stdin can be read only once)');
  }
  const a = await load(opts.traceA);
  const b = await load(opts.traceB);
  const report = diffTraces(a, b, tolerance);
  if (opts.json) io.stdout.write(renderJson(diffJson(report)));
  else io.stdout.write(renderDiff(report, renderContext(opts, io)));
  return 0;
}

export function diffCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('diff')
    .addHelpText('after', '\nExamples:\n  $ tracectl diff 7146c725abc3c5cc2983d34409fbe808 8b67b287e744d32372ec27496725b575 fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl diff A_ID B_ID --json traces/\n')
    .description('two traces aligned span by span: what got slower or faster, what was added or removed, both critical paths')
    .argument('<traceA>', 'the trace to compare with (e.g. a typical request)')
    .argument('<traceB>', 'the trace to explain (e.g. the slowest request); its waterfall is shown')
    .argument('[sources...]', 'trace files or directories')
    .option('--tolerance <percent>', `changes under this share of A's duration are no change (default ${DEFAULT_TOLERANCE.ratio * 100}%)`)
    .option('--tolerance-ms <duration>', `…nor those under this (default ${DEFAULT_TOLERANCE.ms}ms)`);
  addCommonOptions(cmd);
  return cmd.action(async (traceA: string, traceB: string, sources: string[], raw: Omit<DiffOptions, 'traceA' | 'traceB' | 'sources'>) => {
    done(await runDiff({ ...raw, traceA, traceB, sources }, io));
  });
}
