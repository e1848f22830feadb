import { runCli, type CliRun, type FakeIo } from '../../helpers/cli.js';

/** `tracectl <args>` in-process, through the real `main`. */
export const tracectl = (args: string[], fake: FakeIo = {}): Promise<CliRun> => runCli(args, fake);

/** Parses `--json` output, asserting a clean success. */
export function jsonOf<T>(run: CliRun): T {
  if (run.code !== 0 || run.stderr !== '') throw new Error(`exit ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
