import { Command, Option } from 'commander';
import type { Io } from '../io.js';
import { depsJson, renderDepsTree, renderDot, renderMermaid } from '../report/deps.js';
import { renderJson } from '../report/json.js';
import { addCommonOptions, addFilterOptions, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { analyzeSelected } from './read.js';

export const depsFormats = ['tree', 'mermaid', 'dot'] as const;
export type DepsFormat = (typeof depsFormats)[number];

export interface DepsOptions extends CommonOptions, FilterOptions {
  sources: string[];
  /** Unset means `tree`; left unset by commander so `--json` can refuse an explicit one. */
  format?: DepsFormat;
}

export async function runDeps(opts: DepsOptions, io: Io): Promise<number> {
  const map = await analyzeSelected(opts.sources, opts, io, { name: 'deps', options: {} });
  if (opts.json) io.stdout.write(renderJson(depsJson(map)));
  else if (opts.format === 'mermaid') io.stdout.write(renderMermaid(map));
  else if (opts.format === 'dot') io.stdout.write(renderDot(map));
  else io.stdout.write(renderDepsTree(map, renderContext(opts, io)));
  return 0;
}

export function depsCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('deps')
    .addHelpText('after', '\nExamples:\n  $ tracectl deps fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl deps --format mermaid fixtures/demo/llm-gateway.otlp.jsonl > deps.mmd\n  $ tracectl deps --since 30m --backend zipkin:http://localhost:9411\n')
    .description('the service dependency map: calls, errors and latency per caller → callee, uninstrumented peers included')
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .addOption(
      new Option('--format <format>', 'tree for the terminal, mermaid or dot to paste into docs (default: tree)')
        .choices(depsFormats)
        .conflicts('json'),
    );
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<DepsOptions, 'sources'>) => {
    done(await runDeps({ ...raw, sources }, io));
  });
}
