import { Command } from 'commander';
import { viewTrace } from '../analyze/trace-view.js';
import { InputError, UsageError } from '../model/errors.js';
import type { Io } from '../io.js';
import { parseTraceIdInput } from '../model/ids.js';
import { showJsonChunks } from '../report/json.js';
import { cleanText } from '../report/sanitize.js';
import { renderWaterfall, type WaterfallOptions } from '../report/waterfall.js';
import { findInsights } from '../analyze/insights.js';
import { traceById } from '../pipeline/read.js';
import { addCommonOptions, countOption, renderContext, type CommonOptions } from './options.js';
import { readSelected } from './read.js';
import { webUrlOf } from './backend-options.js';
import type { BackendConfig } from '../sources/backends/config.js';
import { readPrices } from './llm.js';

export interface ShowOptions extends CommonOptions {
  traceId: string;
  sources: string[];
  depth?: number;
  attrs?: boolean;
  expand?: boolean;
  /** `--insights`: mark the spans in anti-patterns and list them (tracectl insights --trace). */
  insights?: boolean;
  /** `--prices FILE`: US dollars per million tokens, by model (docs/llm.md). */
  prices?: string;
}

export async function runShow(opts: ShowOptions, io: Io): Promise<number> {
  if (parseTraceIdInput(opts.traceId) === null) {
    throw new UsageError(`"${cleanText(opts.traceId)}" is not a trace id: give 16 or 32 hex digits`);
  }
  const prices = opts.prices === undefined ? null : await readPrices(opts.prices, io);
  let backend: BackendConfig | null = null;
  const trace = await readSelected(opts.sources, opts, io, (plan, ctx) => {
    backend = plan.backend;
    return traceById(plan, opts.traceId, ctx);
  });
  if (!trace) {
    const where = opts.sources.length > 0 ? opts.sources.join(', ') : 'stdin';
    throw new InputError(`trace ${cleanText(opts.traceId)} not found in ${cleanText(where)}; check the id, or run "tracectl find" to list the traces there`);
  }
  const view = viewTrace(trace, { prices });
  const url = webUrlOf(backend)?.(trace.traceId) ?? null;
  if (opts.json) for (const chunk of showJsonChunks(view, url)) io.stdout.write(chunk);
  else {
    const options: WaterfallOptions = { depth: opts.depth, attrs: opts.attrs, expand: opts.expand };
    if (opts.insights) options.insights = findInsights(trace);
    io.stdout.write(renderWaterfall(view, options, renderContext(opts, io)));
    if (url !== null) io.stdout.write(`\n${cleanText(url)}\n`);
  }
  return 0;
}

export function showCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('show')
    .addHelpText('after', '\nExamples:\n  $ tracectl show c54f2723e9f99318a2801aebd7457eb1 fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl show c54f2723e9f99318a2801aebd7457eb1 --attrs --depth 3 fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl show 4bf92f3577b34da6a3ce929d0e0e4736 --backend tempo:http://localhost:3200\n')
    .description('the waterfall of one trace: time bars, self time, the critical path, errors')
    .argument('<traceId>', 'trace id, 16 or 32 hex digits, either case')
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .option('--depth <n>', 'show this many levels of the tree')
    .option('--attrs', 'print attributes and events under each span')
    .option('--expand', 'do not collapse runs of same-named sibling spans')
    .option('--insights', 'mark the spans in anti-patterns (N+1, retry loops, …) and list them below')
    .option('--prices <file>', 'US dollars per million tokens by model (YAML), for the cost of LLM calls');
  addCommonOptions(cmd, 'trace');
  return cmd.action(async (traceId: string, sources: string[], raw: Omit<ShowOptions, 'traceId' | 'sources' | 'depth'> & { depth?: string }) => {
    const depth = raw.depth === undefined ? undefined : countOption('--depth', raw.depth);
    done(await runShow({ ...raw, traceId, sources, depth }, io));
  });
}
