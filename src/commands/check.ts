import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { BudgetFile } from '../analyze/budget-spec.js';
import type { Baseline, BudgetAnalysisOptions } from '../analyze/budgets.js';
import { InputError, UsageError } from '../model/errors.js';
import type { Io } from '../io.js';
import { renderCheck } from '../report/check.js';
import { renderJson } from '../report/json.js';
import { renderJunit } from '../report/junit.js';
import { renderCheckMarkdown } from '../report/markdown.js';
import { describeFsError } from '../sources/files.js';
import { addCommonOptions, addFilterOptions, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { readPrices } from './llm.js';
import { analyzeSelected } from './read.js';
import { checkJson, readBaseline } from '../report/check-json.js';
import { renderAnnotations } from '../report/annotations.js';

export interface CheckOptions extends CommonOptions, FilterOptions {
  sources: string[];
  /** The budgets file, as the user named it (messages use this name). */
  budgets: string;
  baseline?: string;
  /** `--max-regression 10%`. */
  maxRegression?: string;
  junit?: string;
  markdown?: string;
  /** `--prices FILE`, for `cost_per_request` (docs/llm.md). */
  prices?: string;
}

/** Exit codes of `check` (DESIGN.md): 0 every budget holds, 1 one is broken; 2 and 3 are thrown. */
export const CHECK_PASSED = 0;
export const CHECK_FAILED = 1;

/**
 * `tracectl check`: reads the budgets file (a bad one is exit 2 before any trace is read),
 * the baseline and the traces, evaluates, prints the table or JSON, writes the JUnit and
 * Markdown files, appends the job summary and prints annotations on GitHub Actions.
 * Files are written after the report is printed, so a failed write (exit 3) still leaves
 * the verdict on the screen.
 */
export async function runCheck(opts: CheckOptions, io: Io): Promise<number> {
  const { parsePercentage } = await import('./budgets-file.js');
  const file = await loadBudgets(opts.budgets, io);
  let maxRegression: number | undefined;
  if (opts.maxRegression !== undefined) {
    const share = parsePercentage(opts.maxRegression);
    if (share === null || share < 0) throw new UsageError(`--max-regression "${opts.maxRegression}" is not a percentage: write e.g. 10%`);
    if (opts.baseline === undefined) throw new UsageError('--max-regression needs --baseline: the --json output of an earlier check to compare with');
    maxRegression = share;
  }
  if (opts.baseline !== undefined && maxRegression === undefined && file.defaultRegression === null && file.budgets.every((b) => b.regression === null)) {
    throw new UsageError(`--baseline needs a threshold: pass --max-regression 10% or set "regression: 10%" in ${opts.budgets} (per budget or under defaults)`);
  }
  const baseline = opts.baseline === undefined ? undefined : await readBaselineFile(opts.baseline, io);

  const options: BudgetAnalysisOptions = { file };
  if (opts.prices !== undefined) options.prices = await readPrices(opts.prices, io);
  if (baseline !== undefined) options.baseline = baseline;
  if (maxRegression !== undefined) options.maxRegression = maxRegression;
  const report = await analyzeSelected(opts.sources, opts, io, { name: 'check', options });

  const ctx = renderContext(opts, io);
  io.stdout.write(opts.json ? renderJson(checkJson(report)) : renderCheck(report, ctx));

  if (opts.junit !== undefined) await writeOutput(io, opts.junit, renderJunit(report, { now: io.now(), budgetsFile: opts.budgets }), 'write');
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (opts.markdown !== undefined || (summary !== undefined && summary !== '')) {
    const markdown = renderCheckMarkdown(report);
    if (opts.markdown !== undefined) await writeOutput(io, opts.markdown, markdown, 'write');
    if (summary !== undefined && summary !== '') await writeOutput(io, summary, markdown, 'append', 'GITHUB_STEP_SUMMARY ');
  }
  if (io.env.GITHUB_ACTIONS === 'true') {
    // The runner reads workflow commands from the step's output; with --json they go to
    // stderr so stdout stays one JSON document.
    const annotations = renderAnnotations(report, opts.budgets);
    (opts.json ? io.stderr : io.stdout).write(annotations);
  }
  return report.passed ? CHECK_PASSED : CHECK_FAILED;
}

/** The budgets file is configuration: unreadable or invalid, it is a usage error (exit 2). */
export async function loadBudgets(name: string, io: Io): Promise<BudgetFile> {
  // The YAML parser is loaded only by the commands that read YAML.
  const { parseBudgetFile } = await import('./budgets-file.js');
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, name), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read budgets file ${name}: ${describeFsError(error)}`, { cause: error });
  }
  return parseBudgetFile(text, name);
}

/** The baseline is input, like traces: unreadable or not a check result, it is exit 3. */
async function readBaselineFile(name: string, io: Io): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, name), 'utf8');
  } catch (error) {
    throw new InputError(`cannot read baseline ${name}: ${describeFsError(error)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError(`baseline ${name} is not JSON: pass the output of an earlier "tracectl check --json"`);
  }
  const baseline = readBaseline(json);
  if (!baseline) throw new InputError(`baseline ${name} is not the output of "tracectl check --json" (schema tracectl/v1 with results[])`);
  return baseline;
}

async function writeOutput(io: Io, name: string, text: string, mode: 'write' | 'append', label = ''): Promise<void> {
  try {
    const path = resolve(io.cwd, name);
    if (mode === 'append') await appendFile(path, text, 'utf8');
    else await writeFile(path, text, 'utf8');
  } catch (error) {
    throw new InputError(`cannot write ${label}${name}: ${describeFsError(error)}`, { cause: error });
  }
}

/** What a check takes besides the budgets file; `run` takes them too. */
export function addCheckOptions(cmd: Command): Command {
  return cmd
    .option('--baseline <file>', 'the --json output of an earlier check: fail on regressions against it')
    .option('--max-regression <percent>', 'with --baseline: how much worse a metric may get, e.g. 10% (a budget\'s own "regression:" wins)')
    .option('--junit <file>', 'also write the results as JUnit XML')
    .option('--prices <file>', 'US dollars per million tokens by model (YAML), for cost_per_request budgets (docs/llm.md)')
    .option('--markdown <file>', 'also write a Markdown summary (appended to $GITHUB_STEP_SUMMARY when set)');
}

export function checkCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('check')
    .addHelpText('after', '\nExamples:\n  $ tracectl check --budgets examples/budgets.yaml fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl check --budgets budgets.yaml --junit junit.xml --markdown summary.md traces/\n  $ tracectl check --budgets budgets.yaml --baseline main.json --max-regression 10% traces/\n')
    .description('a CI gate: evaluates latency, error-rate and cache budgets; exit 1 when one is broken')
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .requiredOption('--budgets <file>', 'the budgets file (YAML; see examples/budgets.yaml)');
  addCheckOptions(cmd)
    .addHelpText(
      'after',
      `
Exit codes:
  0  every budget holds
  1  at least one budget is broken (or has too few samples)
  2  invalid budgets file or options
  3  unreadable input, baseline or output file`,
    );
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<CheckOptions, 'sources'>) => {
    done(await runCheck({ ...raw, sources }, io));
  });
}
