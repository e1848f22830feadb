import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAssertion, parseBudgetFile } from '../../src/commands/budgets-file.js';
import { globToRegExp } from '../../src/analyze/budgets.js';
import { UsageError } from '../../src/model/errors.js';

/** The example from the issue, verbatim. */
const ISSUE_EXAMPLE = `version: 1
defaults: { min_samples: 20 }
budgets:
  - name: chat endpoint
    select: { service: gateway, name: "POST /v1/chat/*", root: true }
    assert: ["p(95) < 1.2s", "p(99) < 3s", "error_rate < 1%"]
  - name: llm calls
    select: { service: llm-api, name: llm_completion }
    assert: ["p(50) < 500ms", "count_per_trace <= 3"]
  - name: cache works
    select: { name: cache_lookup }
    assert: ["hit_ratio >= 35%"]
  - name: retrieval stays off the critical path
    select: { service: vector-store }
    assert: ["critical_share < 25%"]
  - name: prompt size
    select: { name: llm_completion }
    assert: ["sum(gen_ai.usage.input_tokens)_per_trace < 8000"]
`;

/** The message a file fails with; the test fails if it parses. */
function errorOf(text: string): string {
  try {
    parseBudgetFile(text, 'budgets.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
}

/** A one-budget file whose assertion (on line 5) is `assertion`. */
const withAssertion = (assertion: string): string => `version: 1
budgets:
  - name: b
    select: { name: x }
    assert: [${JSON.stringify(assertion)}]
`;

describe('parseBudgetFile', () => {
  it('reads the example from the issue: selects, assertions in their units, defaults', () => {
    const file = parseBudgetFile(ISSUE_EXAMPLE, 'budgets.yaml');
    expect(file.budgets.map((b) => b.name)).toEqual(['chat endpoint', 'llm calls', 'cache works', 'retrieval stays off the critical path', 'prompt size']);
    const [chat, llm, cache, retrieval, prompt] = file.budgets;
    expect(chat!.line).toBe(4);
    expect(chat!.select).toEqual({ service: 'gateway', name: 'POST /v1/chat/*', root: true, where: [] });
    expect(chat!.minSamples).toBe(20);
    expect(chat!.onMissing).toBe('fail');
    expect(chat!.regression).toBeNull();
    expect(chat!.assertions.map((a) => [a.metricName, a.op, a.limit, a.unit, a.line])).toEqual([
      ['p(95)', '<', 1200, 'duration', 6],
      ['p(99)', '<', 3000, 'duration', 6],
      ['error_rate', '<', 0.01, 'ratio', 6],
    ]);
    expect(llm!.assertions.map((a) => [a.metricName, a.op, a.limit, a.unit])).toEqual([
      ['p(50)', '<', 500, 'duration'],
      ['count_per_trace', '<=', 3, 'number'],
    ]);
    expect(cache!.assertions[0]).toMatchObject({ metric: { kind: 'hit_ratio' }, op: '>=', limit: 0.35, limitText: '35%' });
    expect(retrieval!.assertions[0]).toMatchObject({ metric: { kind: 'critical_share' }, limit: 0.25 });
    expect(prompt!.assertions[0]).toMatchObject({
      metric: { kind: 'sum_per_trace', attribute: 'gen_ai.usage.input_tokens' },
      metricName: 'sum(gen_ai.usage.input_tokens)_per_trace',
      limit: 8000,
      unit: 'number',
    });
  });

  it('reads the shipped example file', () => {
    const file = parseBudgetFile(readFileSync(new URL('../../examples/budgets.yaml', import.meta.url), 'utf8'), 'examples/budgets.yaml');
    expect(file.budgets).toHaveLength(7);
    expect(file.budgets.find((b) => b.name === 'cache hits are fast')!.minSamples).toBe(10);
  });

  it('applies defaults, and a budget’s own settings over them', () => {
    const file = parseBudgetFile(
      `version: 1
defaults: { min_samples: 5, on_missing: skip, regression: 10% }
budgets:
  - name: a
    assert: p(95) < 1s
  - name: b
    min_samples: 2
    on_missing: fail
    regression: 2.5%
    assert:
      - avg <= 250ms
      - max >= 1.5s
`,
      'b.yaml',
    );
    const [a, b] = file.budgets;
    expect(file.defaultRegression).toBe(0.1);
    expect(a).toMatchObject({ minSamples: 5, onMissing: 'skip', regression: null, select: { where: [] } });
    expect(a!.assertions).toHaveLength(1);
    expect(b).toMatchObject({ minSamples: 2, onMissing: 'fail', regression: 0.025 });
    expect(b!.assertions.map((x) => [x.text, x.line])).toEqual([
      ['avg <= 250ms', 11],
      ['max >= 1.5s', 12],
    ]);
  });

  it('without min_samples anywhere, one sample is enough and none is not', () => {
    const file = parseBudgetFile('version: 1\nbudgets:\n  - { name: a, assert: "count >= 1" }\n', 'b.yaml');
    expect(file.budgets[0]!.minSamples).toBe(1);
  });

  it('reads kind case-insensitively, where as one condition or a list, and root false', () => {
    const file = parseBudgetFile(
      `version: 1
budgets:
  - name: a
    select:
      kind: CLIENT
      root: false
      where: ["cache.hit=true", "gen_ai.usage.input_tokens>1000"]
    assert: ["count > 0"]
  - name: b
    select: { where: "http.route~^/v1/" }
    assert: ["count == 3"]
`,
      'b.yaml',
    );
    expect(file.budgets[0]!.select).toMatchObject({ kind: 'client', root: false });
    expect(file.budgets[0]!.select.where.map((c) => [c.key, c.op, c.value])).toEqual([
      ['cache.hit', '=', 'true'],
      ['gen_ai.usage.input_tokens', '>', '1000'],
    ]);
    expect(file.budgets[1]!.select.where[0]).toMatchObject({ key: 'http.route', op: '~', value: '^/v1/' });
  });

  it('treats an absent or empty select as every trace’s root', () => {
    const file = parseBudgetFile('version: 1\nbudgets:\n  - name: a\n    select:\n    assert: ["p(50) < 1s"]\n  - name: b\n    select: {}\n    assert: ["p(50) < 1s"]\n', 'b.yaml');
    expect(file.budgets.map((b) => b.select)).toEqual([{ where: [] }, { where: [] }]);
  });

  it('resolves YAML anchors and aliases', () => {
    const file = parseBudgetFile(
      `version: 1
budgets:
  - name: a
    select: &gw { service: gateway, root: true }
    assert: ["p(95) < 1s"]
  - name: b
    select: *gw
    assert: ["error_rate < 1%"]
`,
      'b.yaml',
    );
    expect(file.budgets[1]!.select).toEqual({ service: 'gateway', root: true, where: [] });
  });
});

describe('budgets file errors name the file and line (UsageError, exit 2)', () => {
  it('unknown metric, with the spelling to use', () => {
    const text = ISSUE_EXAMPLE.replace('"p(50) < 500ms"', '"p95 < 500ms"');
    expect(errorOf(text)).toBe('budgets.yaml:9: unknown metric "p95" (use p(95))');
    expect(errorOf(withAssertion('median < 1s'))).toBe('budgets.yaml:5: unknown metric "median" (use med)');
    expect(errorOf(withAssertion('sum(tokens) < 10'))).toBe('budgets.yaml:5: unknown metric "sum(tokens)" (use sum(tokens)_per_trace)');
    expect(errorOf(withAssertion('latency < 1s'))).toMatch(/^budgets\.yaml:5: unknown metric "latency" \(use one of p\(N\), avg, .*sum\(ATTR\)_per_trace, findings\(PATTERN\), findings_rate\(PATTERN\), ttft\.STAT, tokens_per_request\.STAT, cost_per_request\.STAT, llm_error_rate, rate_limit_rate\)$/);
    expect(errorOf(withAssertion('p(101) < 1s'))).toBe('budgets.yaml:5: "p(101)": a percentile must be between 0 and 100, as in p(95) or p(99.9)');
  });

  it('a bad duration', () => {
    expect(errorOf(withAssertion('p(95) < 1.2sec'))).toBe('budgets.yaml:5: "p(95) < 1.2sec": "1.2sec" is not a duration: write e.g. 250ms, 1.5s, 2m or 1h');
    expect(errorOf(withAssertion('p(95) < fast'))).toBe('budgets.yaml:5: "p(95) < fast": "fast" is not a duration, a percentage or a number');
  });

  it('a limit in the wrong unit', () => {
    expect(errorOf(withAssertion('p(95) < 200'))).toBe('budgets.yaml:5: "p(95) < 200": p(95) is a duration: write the limit as one, e.g. 250ms or 1.2s');
    expect(errorOf(withAssertion('error_rate < 0.01'))).toBe('budgets.yaml:5: "error_rate < 0.01": error_rate is a share: write the limit as a percentage, e.g. 1% or 35%');
    expect(errorOf(withAssertion('count_per_trace < 3s'))).toBe('budgets.yaml:5: "count_per_trace < 3s": count_per_trace is a number: write the limit without a unit, e.g. 3');
    expect(errorOf(withAssertion('hit_ratio > 2ms'))).toContain('hit_ratio is a share');
  });

  it('operators it does not know, and text that is no assertion', () => {
    expect(errorOf(withAssertion('count = 3'))).toBe('budgets.yaml:5: "count = 3": use == to compare for equality');
    expect(errorOf(withAssertion('count != 3'))).toContain('!= is not supported');
    expect(errorOf(withAssertion('count =< 3'))).toContain('write <= instead of =<');
    expect(errorOf(withAssertion('p(95) fast'))).toBe('budgets.yaml:5: "p(95) fast" is not an assertion: write METRIC OP VALUE, e.g. "p(95) < 1.2s"');
  });

  it('a YAML syntax error, at its line', () => {
    const text = `version: 1
budgets:
  - name: a
    assert: ["p(95) < 1s"
  - name: b
`;
    expect(errorOf(text)).toMatch(/^budgets\.yaml:[45]: YAML syntax error: /);
    expect(errorOf('version: 1\nbudgets:\n  - name: a\n   assert: x\n')).toMatch(/^budgets\.yaml:4: YAML syntax error: /);
    expect(errorOf('version: 1\nversion: 1\nbudgets: []\n')).toBe('budgets.yaml:2: YAML syntax error: Map keys must be unique');
  });

  it('missing or empty fields', () => {
    expect(errorOf('')).toBe('budgets.yaml:1: the file is empty: it needs "version: 1" and a "budgets:" list');
    expect(errorOf('budgets:\n  - { name: a, assert: "count > 1" }\n')).toBe('budgets.yaml:1: missing "version: 1" at the top of the file');
    expect(errorOf('version: 2\nbudgets: []\n')).toBe('budgets.yaml:1: version 2 is not supported: this tracectl reads version 1');
    expect(errorOf('version: 1\n')).toBe('budgets.yaml:1: missing "budgets:": list the budgets to check');
    expect(errorOf('version: 1\nbudgets: []\n')).toBe('budgets.yaml:2: "budgets" is empty: a gate with nothing to check would always pass');
    expect(errorOf('version: 1\nbudgets:\n  - select: { name: x }\n    assert: ["count > 1"]\n')).toBe(
      'budgets.yaml:3: this budget has no "name": give each budget a name, it is how results are reported',
    );
    expect(errorOf('version: 1\nbudgets:\n  - name: a\n    select: { name: x }\n')).toBe('budgets.yaml:3: budget "a" has no "assert": add e.g. assert: ["p(95) < 500ms"]');
    expect(errorOf('version: 1\nbudgets:\n  - name: a\n    assert: []\n')).toBe('budgets.yaml:4: budget "a" has an empty "assert" list');
  });

  it('unknown keys, with the one that was meant', () => {
    expect(errorOf('version: 1\nbudgets:\n  - name: a\n    asserts: ["count > 1"]\n')).toBe('budgets.yaml:4: unknown key "asserts" in a budget (did you mean "assert"?)');
    expect(errorOf('version: 1\nbudgets:\n  - name: a\n    select: { operation: x }\n    assert: ["count > 1"]\n')).toBe(
      'budgets.yaml:4: unknown key "operation" in "select": use service, name, kind, root, where',
    );
    expect(errorOf('version: 1\ndefaults: { min-samples: 3 }\nbudgets: []\n')).toBe('budgets.yaml:2: unknown key "min-samples" in "defaults" (did you mean "min_samples"?)');
  });

  it('bad values for settings', () => {
    const budget = (extra: string): string => `version: 1\nbudgets:\n  - name: a\n    assert: ["count > 1"]\n    ${extra}\n`;
    expect(errorOf(budget('min_samples: 0'))).toBe('budgets.yaml:5: min_samples must be a whole number of at least 1, not 0');
    expect(errorOf(budget('min_samples: many'))).toBe('budgets.yaml:5: min_samples must be a whole number of at least 1, not "many"');
    expect(errorOf(budget('on_missing: ignore'))).toBe('budgets.yaml:5: on_missing must be fail or skip, not "ignore"');
    expect(errorOf(budget('regression: 0.1'))).toBe('budgets.yaml:5: regression must be a percentage such as 10%, not 0.1');
    expect(errorOf(budget('select: { kind: rpc }'))).toBe('budgets.yaml:5: kind "rpc" is not a span kind: use one of server, client, producer, consumer, internal, unspecified');
    expect(errorOf(budget('select: { root: yes }'))).toBe('budgets.yaml:5: root must be true or false, not "yes"');
    expect(errorOf(budget('select: { where: "x>fast" }'))).toBe('budgets.yaml:5: where "x>fast": > needs a number or a duration such as 250ms');
    expect(errorOf(budget('select: [a, b]'))).toBe('budgets.yaml:5: "select" must be a map of keys (service, name, kind, root, where)');
    expect(errorOf('version: 1\nbudgets:\n  - name: a\n    assert: [{ p(95): 1s }]\n')).toBe('budgets.yaml:4: an assertion must be text, not a map (quote it if it contains ": ")');
  });

  it('duplicate budget names, since baselines are matched by name', () => {
    expect(errorOf('version: 1\nbudgets:\n  - { name: a, assert: "count > 1" }\n  - { name: a, assert: "count > 2" }\n')).toBe(
      'budgets.yaml:4: budget name "a" is already used on line 3: names must be unique (a baseline is matched by name)',
    );
  });
});

describe('parseAssertion', () => {
  it('reads every metric and operator, spaces optional', () => {
    const read = (text: string) => {
      const a = parseAssertion(text, 1, 'f');
      return [a.metricName, a.op, a.limit, a.unit];
    };
    expect(read('p(99.9)<=3s')).toEqual(['p(99.9)', '<=', 3000, 'duration']);
    expect(read('P( 90 ) > 1m30s')).toEqual(['p(90)', '>', 90_000, 'duration']);
    expect(read('avg >= 500us')).toEqual(['avg', '>=', 0.5, 'duration']);
    expect(read('MIN == 0ms')).toEqual(['min', '==', 0, 'duration']);
    expect(read('max < 1h')).toEqual(['max', '<', 3_600_000, 'duration']);
    expect(read('med < 12.5ms')).toEqual(['med', '<', 12.5, 'duration']);
    expect(read('count >= 20')).toEqual(['count', '>=', 20, 'number']);
    expect(read('error_rate<0.5%')).toEqual(['error_rate', '<', 0.005, 'ratio']);
    expect(read('hit_ratio >= 35 %')).toEqual(['hit_ratio', '>=', 0.35, 'ratio']);
    expect(read('critical_share < 25%')).toEqual(['critical_share', '<', 0.25, 'ratio']);
    expect(read('count_per_trace <= 3')).toEqual(['count_per_trace', '<=', 3, 'number']);
    expect(read('sum(db.rows)_per_trace < 1e4')).toEqual(['sum(db.rows)_per_trace', '<', 10_000, 'number']);
  });
});

describe('globToRegExp', () => {
  it('matches * and ? and nothing else specially', () => {
    expect(globToRegExp('POST /v1/chat/*').test('POST /v1/chat/completions')).toBe(true);
    expect(globToRegExp('POST /v1/chat/*').test('POST /v1/chat')).toBe(false);
    expect(globToRegExp('GET /item/?').test('GET /item/7')).toBe(true);
    expect(globToRegExp('a.b(c)').test('a.b(c)')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('llm_*').test('llm_completion')).toBe(true);
  });
});

describe('budgets files that would expand without bound', () => {
  const aliased = (budgets: number, conditions: number): string => {
    const lines = ['version: 1', 'budgets:', '  - name: b0', '    select:', '      where: &conds'];
    for (let i = 0; i < conditions; i++) lines.push(`        - "attr.k${i}=v"`);
    lines.push('    assert: ["p(95) < 1s"]');
    for (let i = 1; i < budgets; i++) lines.push(`  - {name: b${i}, select: {where: *conds}, assert: ["p(95) < 1s"]}`);
    return `${lines.join('\n')}\n`;
  };

  it('refuses more budgets than it reads, before expanding their aliases', () => {
    expect(() => parseBudgetFile(aliased(1001, 2), 'b.yaml')).toThrow(new UsageError('b.yaml:2: "budgets" lists 1001 budgets: at most 1000 are read; split the file'));
  });

  it('refuses a "where" list an alias makes longer than the limit', () => {
    expect(() => parseBudgetFile(aliased(2, 101), 'b.yaml')).toThrow(new UsageError('b.yaml:5: "where" lists 101 conditions: at most 100 are read'));
    expect(parseBudgetFile(aliased(3, 100), 'b.yaml').budgets[2]!.select.where).toHaveLength(100);
  });

  it('says deep nesting is too deep, not a syntax error', () => {
    const deep = `version: 1\nbudgets:\n  - name: x\n    assert: ${'['.repeat(20000)}${']'.repeat(20000)}\n`;
    expect(() => parseBudgetFile(deep, 'd.yaml')).toThrow(/^d\.yaml:\d+: the YAML is nested too deeply to read/);
  });
});
