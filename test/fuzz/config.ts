import type { Parameters } from 'fast-check';

/**
 * How hard the fuzz suite works. `npm test` runs a bounded number of cases per property
 * (FUZZ_RUNS unset: 40) so the whole suite stays near ten seconds on two cores;
 * `npm run fuzz` sets FUZZ_RUNS to thousands. FUZZ_SEED replays a failure that
 * fast-check reported (it prints the seed and the shrunk counterexample).
 */
const DEFAULT_RUNS = 40;

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name}=${raw} is not a positive whole number`);
  return n;
}

export const FUZZ_RUNS = envInt('FUZZ_RUNS') ?? DEFAULT_RUNS;
const FUZZ_SEED = envInt('FUZZ_SEED');

/** True when more than the default number of cases was asked for (`npm run fuzz`). */
export const DEEP = FUZZ_RUNS > DEFAULT_RUNS;

/**
 * The time one case (one decode, one build, one analysis) may take. Decoding the largest
 * fixture takes a few milliseconds; a case that takes seconds is super-linear behaviour
 * worth a look. A case that never ends is caught by the test's own timeout.
 */
export const CASE_MS = envInt('FUZZ_CASE_MS') ?? 2_000;

/** fast-check parameters for a property: `weight` scales the run count for cheap or costly properties. */
export function fuzzParams<T>(weight = 1): Parameters<T> {
  const numRuns = Math.max(1, Math.round(FUZZ_RUNS * weight));
  return FUZZ_SEED === undefined ? { numRuns } : { numRuns, seed: FUZZ_SEED };
}

/** A vitest timeout for a test that runs `cases` cases (each bounded by CASE_MS in practice far less). */
export function testTimeout(cases: number, msPerCase = 50): number {
  return Math.max(30_000, cases * msPerCase * 4);
}
