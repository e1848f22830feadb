import { runCli, type CliRun, type FakeIo } from '../../helpers/cli.js';

/** `tracectl <args>` in-process, through the real `main`. */
export const tracectl = (args: string[], fake: FakeIo = {}): Promise<CliRun> => runCli(args, fake);

/** Parses `--json` output, asserting a clean success. */
export function jsonOf<T>(run: CliRun): T {
  if (run.code !== 0 || run.stderr !== '') throw new Error(`exit ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/**
 * A document without its `url` fields (show's, and each of find's traces): a backend adds
 * where its web UI shows each trace (docs/backends.md "Links to the web UI"); the rest is what files give.
 */
export function withoutUrls<T>(body: T): T {
  const { url: _url, ...rest } = body as Record<string, unknown>;
  if (Array.isArray(rest.traces)) rest.traces = (rest.traces as Record<string, unknown>[]).map(({ url: _u, ...t }) => t);
  return rest as T;
}
