import type { BudgetResult, CheckReport } from '../analyze/budgets.js';
import { explain, failureLines } from './check.js';

/**
 * `check --junit FILE`: JUnit XML as CI systems read it (Jenkins, GitLab, Azure DevOps,
 * CircleCI, GitHub test-report actions): `<testsuites>` with one `<testsuite>` per budget
 * and one `<testcase>` per check (an assertion, or its regression check against a
 * baseline); a broken check has a `<failure message=… type=…>` whose body lists the worst
 * traces and the critical path, a skipped one a `<skipped message=…/>`.
 *
 * Everything we write comes from the budgets file or from traces, so all text is escaped,
 * and characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are
 * dropped: a parser refuses the whole file over a single one, even as `&#1;`.
 */

// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Text content: `&`, `<`, `>` escaped, forbidden characters dropped. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Attribute values in double quotes: also `"` and `'`, and tab, CR and LF as character
 * references, since a parser would otherwise normalize them to spaces.
 */
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

export interface JunitOptions {
  /** When the check ran: the `timestamp` attribute (renderers never read the clock). */
  now: Date;
  /** The budgets file as the user named it: each test case's `file`. */
  budgetsFile: string;
}

/** ISO 8601 without milliseconds or zone, as the JUnit XSD's `timestamp` wants it (the time is UTC). */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, '');
}

export function renderJunit(report: CheckReport, options: JunitOptions): string {
  const count = (rows: readonly BudgetResult[], status: BudgetResult['status']): number => rows.filter((r) => r.status === status).length;
  const attrs = (pairs: Record<string, string | number>): string =>
    Object.entries(pairs)
      .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
      .join('');
  const when = timestamp(options.now);
  const all = report.results;
  let out = '<?xml version="1.0" encoding="UTF-8"?>\n';
  out += `<testsuites${attrs({ name: 'tracectl check', tests: all.length, failures: count(all, 'fail'), errors: 0, skipped: count(all, 'skip'), time: 0, timestamp: when })}>\n`;
  for (const [i, budget] of report.budgets.entries()) {
    const rows = all.filter((r) => r.budget === budget.name);
    out += `  <testsuite${attrs({ name: budget.name, id: i, tests: rows.length, failures: count(rows, 'fail'), errors: 0, skipped: count(rows, 'skip'), time: 0, timestamp: when })}>\n`;
    out += `    <properties>\n`;
    out += `      <property${attrs({ name: 'samples', value: budget.samples })}/>\n`;
    out += `      <property${attrs({ name: 'traces', value: budget.traces })}/>\n`;
    out += `      <property${attrs({ name: 'min_samples', value: budget.minSamples })}/>\n`;
    out += `    </properties>\n`;
    for (const r of rows) {
      const open = `    <testcase${attrs({ name: r.assertion, classname: `tracectl.check.${budget.name}`, time: 0, file: options.budgetsFile, line: r.line })}`;
      if (r.status === 'pass') {
        out += `${open}/>\n`;
      } else if (r.status === 'skip') {
        out += `${open}>\n      <skipped${attrs({ message: explain(r) })}/>\n    </testcase>\n`;
      } else {
        const body = [`${r.assertion}: ${explain(r)}`, ...failureLines(r, 100)].join('\n');
        out += `${open}>\n      <failure${attrs({ message: explain(r), type: r.reason })}>${xmlText(body)}</failure>\n    </testcase>\n`;
      }
    }
    out += '  </testsuite>\n';
  }
  out += '</testsuites>\n';
  return out;
}
