import { closestKeys } from '../analyze/attribute-keys.js';
import type { Io } from '../io.js';
import { parseFilter, type CommonOptions, type FilterOptions } from './options.js';
import { readContext, readPlan } from './read.js';
import { analyzeSelectedTraces } from '../pipeline/read.js';
import { keyAliases } from '../model/semconv.js';
import { cleanText } from '../report/sanitize.js';

/** Keys `--where` knows without an attribute of that name. */
const PSEUDO_KEYS = new Set(['name', 'service', 'status', 'kind']);

/**
 * After a read that matched nothing: a `--where` key that no span carries (under any of its
 * names) is said so on stderr, with the closest keys that exist. Files only: it reads them a
 * second time, without the filter (stdin cannot be read twice, a backend would be asked again).
 */
export async function tellMissingKeys(opts: CommonOptions & FilterOptions & { sources: string[] }, io: Io): Promise<void> {
  const keys = parseFilter(opts)
    .where.filter((c) => c.op !== 'absent' && c.op !== '!=' && !PSEUDO_KEYS.has(c.key))
    .map((c) => c.key);
  if (keys.length === 0 || opts.sources.length === 0 || opts.sources.includes('-') || opts.backend !== undefined) return;
  // Its warnings were told by the first read.
  const plan = await readPlan(opts.sources, opts, io, { where: [] });
  const counts = (await analyzeSelectedTraces(plan, await readContext({ ...opts, verbose: false }, io), { name: 'keys', options: {} })).value;
  for (const key of new Set(keys)) {
    if ([key, ...keyAliases(key)].some((k) => k in counts)) continue;
    const near = closestKeys(key, counts);
    const hint = near.length === 0 ? '' : `; did you mean ${near.map((n) => `${n.key} (${n.traces} ${n.traces === 1 ? 'trace' : 'traces'})`).join(', ')}?`;
    io.stderr.write(`no span has ${cleanText(key)}${cleanText(hint)}\n`);
  }
}
