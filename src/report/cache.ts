import type { CacheOperation, CacheReport, LatencyPercentiles } from '../analyze/cache.js';
import { CACHE_EVENTS } from '../analyze/cache.js';
import { fitColumns, type FitColumn } from './columns.js';
import { formatPercent } from './format.js';
import { jsonMs } from './json.js';
import { cleanAndTruncate, cleanText } from './sanitize.js';
import { palette, type RenderContext } from './style.js';
import { renderTable } from './table.js';
import { formatDuration } from '../model/duration.js';
import type { CacheJson } from './json-contract.js';
import { plural } from '../model/text.js';

const NAME_MAX = 120;
const ms = (value: number | null): string => formatDuration(value ?? NaN);

/**
 * The `cache` report: one table of cache operations (hit and miss latency are of the
 * request the lookup serves, its parent span) and the warnings; the LLM prompt cache per
 * model is in `tracectl llm`. A section with nothing in it says what was looked for instead.
 */
export function renderCache(report: CacheReport, ctx: RenderContext): string {
  const p = palette(ctx);
  const sections: string[] = [];

  if (report.caches.length === 0) {
    const events = Object.keys(CACHE_EVENTS).join('/');
    sections.push(
      `no cache lookups found in ${plural(report.traces, 'trace')}: looked for the attributes ` +
        `${report.keys.map(cleanText).join(', ')} and ${events} events; name the attribute your spans carry with --cache-attr KEY\n`,
    );
  } else {
    const columns: FitColumn[] = [
      { header: 'SERVICE', shrinkTo: 12 },
      { header: 'OPERATION', shrinkTo: 24 },
      { header: 'LOOKUPS', align: 'right' },
      { header: 'HITS', align: 'right', drop: 3 },
      { header: 'HIT %', align: 'right' },
      { header: 'HIT p50', align: 'right' },
      { header: 'HIT p95', align: 'right', drop: 2 },
      { header: 'MISS p50', align: 'right' },
      { header: 'MISS p95', align: 'right', drop: 1 },
      { header: 'SAVED', align: 'right' },
      { header: 'LOOKUP p50', align: 'right', drop: 4 },
      { header: 'ON PATH', align: 'right', drop: 5 },
    ];
    const rows = report.caches.map((c) => [
      cleanAndTruncate(c.service, NAME_MAX),
      cleanAndTruncate(c.name, NAME_MAX),
      String(c.lookups),
      String(c.hits),
      formatPercent(c.hitRatio),
      ms(c.hitMs.p50),
      ms(c.hitMs.p95),
      ms(c.missMs.p50),
      ms(c.missMs.p95),
      ms(c.savedMs),
      ms(c.lookupMs),
      formatPercent(c.onCriticalPath),
    ]);
    const fitted = fitColumns(columns, rows, ctx);
    sections.push(
      `${p.bold('Caches')} ${p.dim("(hit/miss latency: the lookup's parent span, the request it serves)")}\n` +
        renderTable(fitted.columns, fitted.rows, ctx),
    );
  }

  const warnings = report.warnings.map((w) => {
    const cache = w.kind === 'hits-slower-than-misses' ? report.caches.find((c) => c.service === w.service && c.name === w.name) : undefined;
    return p.warn(`warning: ${cleanText(cache ? slowerHits(cache) : w.message)}`);
  });
  return sections.join('\n') + (warnings.length > 0 ? `\n${warnings.join('\n')}\n` : '');
}

function slowerHits(c: CacheOperation): string {
  return `${c.service} ${c.name}: requests that hit the cache are slower than those that miss (median ${ms(c.hitMs.p50)} vs ${ms(c.missMs.p50)}); is the hit flag inverted, or does the hit path do extra work?`;
}

const latencyJson = (l: LatencyPercentiles): LatencyPercentiles => ({
  p50: l.p50 === null ? null : jsonMs(l.p50),
  p95: l.p95 === null ? null : jsonMs(l.p95),
});

/** `cache --json` (DESIGN.md contract: `caches[]`), with the warnings; the LLM prompt cache is in `llm --json`. */
export function cacheJson(report: CacheReport): CacheJson {
  return {
    traces: report.traces,
    keys: report.keys,
    caches: report.caches.map((c) => ({
      ...c,
      hitMs: latencyJson(c.hitMs),
      missMs: latencyJson(c.missMs),
      savedMs: c.savedMs === null ? null : jsonMs(c.savedMs),
      lookupMs: jsonMs(c.lookupMs),
    })),
    warnings: report.warnings,
  };
}
