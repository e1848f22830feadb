import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { parseCondition, spanMatchesCondition } from '../../src/model/query.js';
import { linearGlob, linearRegex } from '../../src/model/regex.js';
import { cleanText } from '../../src/report/sanitize.js';
import stringWidth from 'string-width';
import { displayWidth, ONE_COLUMN } from '../../src/report/style.js';
import { renderTable } from '../../src/report/table.js';
import type { Span } from '../../src/model/span.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';

// One span, no timeline needed: the conditions look at attributes only. Expected by hand.
const span = { attributes: { 'http.response.status_code': 503, 'http.route': '/v1/ask' }, resource: { 'service.name': 'gateway' }, name: 'POST', service: 'gateway', status: 'error', kind: 'server' } as unknown as Span;
const holds = (expr: string): boolean => spanMatchesCondition(span, parseCondition(expr));

describe('--where', () => {
  it('takes >=, <=, present, absent and sets', () => {
    expect(holds('http.response.status_code>=503')).toBe(true);
    expect(holds('http.response.status_code>=504')).toBe(false);
    expect(holds('http.response.status_code<=503')).toBe(true);
    expect(holds('http.route')).toBe(true);
    expect(holds('!http.route')).toBe(false);
    expect(holds('!db.system')).toBe(true);
    expect(holds('http.route=/v1/chat,/v1/ask')).toBe(true);
    expect(holds('http.route!=/v1/chat,/v1/ask')).toBe(false);
    expect(holds('http.route=/v1/chat,/v2')).toBe(false);
  });

  it('matches a renamed semantic-convention key under its old name', () => {
    expect(holds('http.status_code=503')).toBe(true);
    expect(holds('http.status_code>=500')).toBe(true);
    expect(holds('http.status_code')).toBe(true);
  });

  it('runs ~ in linear time: ^(a+)+$ on 30,000 characters answers at once (a backtracking engine never would)', () => {
    expect(holds('http.route~^/v1/')).toBe(true);
    expect(linearRegex('^(a+)+$').test(`${'a'.repeat(30_000)}b`)).toBe(false);
    expect(linearGlob('*a*b*').test('a'.repeat(30_000))).toBe(false);
    expect(linearGlob('POST /v1/*').test('POST /v1/chat')).toBe(true);
  });

  it('finds traces by the old name on data with the new one, and says when a key exists nowhere', async () => {
    const oldName = await runCli(['find', '--ids', '--where', 'http.status_code>=500', DEMO]);
    const newName = await runCli(['find', '--ids', '--where', 'http.response.status_code>=500', DEMO]);
    expect(oldName.code).toBe(0);
    expect(oldName.stdout).not.toBe('');
    expect(oldName.stdout).toBe(newName.stdout);
    const typo = await runCli(['find', '--where', 'http.stauts_code=500', DEMO]);
    expect(typo.stdout).toBe('no traces match\n');
    expect(typo.stderr).toBe('no span has http.stauts_code; did you mean http.response.status_code (70 traces)?\n');
  });
});

describe('find', () => {
  it('-q prints ids only, --format jsonl one object a line, --sort/--reverse order them', async () => {
    const ids = await runCli(['find', '-q', '--limit', '5', DEMO]);
    expect(ids.stdout.trim().split('\n')).toHaveLength(5);
    expect(ids.stdout).toMatch(/^([0-9a-f]{32}\n){5}$/);
    const lines = (await runCli(['find', '--format', 'jsonl', '--sort', 'spans', '--limit', '100', DEMO])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { spanCount: number });
    expect(lines).toHaveLength(70);
    const counts = lines.map((l) => l.spanCount);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    const reversed = (await runCli(['find', '--format', 'jsonl', '--sort', 'spans', '--reverse', '--limit', '100', DEMO])).stdout.trim().split('\n').map((l) => (JSON.parse(l) as { spanCount: number }).spanCount);
    expect(reversed).toEqual([...counts].sort((a, b) => a - b));
  });

  it('says what it left out on a terminal', async () => {
    const run = await runCli(['find', DEMO], { tty: 120 });
    expect(run.stderr).toBe('showing 20 of 70 traces (--limit N for more)\n');
  });
});

describe('errors and habits', () => {
  it('a usage error with --json is the {schema, error} document, and starts with tracectl:', async () => {
    const run = await runCli(['find', '--nope', '--json', DEMO]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({ schema: 'tracectl/v1', error: { code: 2, message: "unknown option '--nope'" } });
    expect(run.stderr.startsWith("tracectl: unknown option '--nope'")).toBe(true);
  });

  it('operations --service nope: exit 3 naming some services', async () => {
    const run = await runCli(['operations', '--service', 'nope', DEMO]);
    expect(run.code).toBe(3);
    // Nine services: the first eight by name, and a pointer to the rest.
    expect(run.stderr).toBe('tracectl: no service "nope"; there are: agent-service, embedding-service, gateway, llm-api, rag-service, reranker, usage-worker, vector-store, and 1 more (tracectl services lists them)\n');
  });

  it('show --help leaves out options only a search uses', async () => {
    const help = (await runCli(['show', '--help'])).stdout;
    expect(help).toContain('--depth');
    expect(help).not.toContain('--window');
    expect(help).not.toContain('--jobs');
    expect(help).not.toContain('--max-traces');
  });

  it('--version, -V and tracectl version print the version', async () => {
    for (const args of [['--version'], ['-V'], ['version']]) expect((await runCli(args)).stdout).toBe('0.1.0\n');
  });
});

describe('text', () => {
  it('shows invisible characters escaped', () => {
    expect(cleanText('gate\u200bway\u200d\ufeff\u2060\u00ad\u{e0041}')).toBe('gate\\u200bway\\u200d\\ufeff\\u2060\\u00ad\\u{e0041}');
  });

  it('counts display width: CJK and emoji take two columns', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('服务')).toBe(4);
    expect(displayWidth('🚀x')).toBe(3);
    const table = renderTable([{ header: 'NAME' }, { header: 'N', align: 'right' }], [['服务', '1'], ['abcdef', '22']], { color: false, width: 80, tty: false });
    expect(table).toBe('NAME     N\n服务     1\nabcdef  22\n');
  });

  it('takes a string of one-column characters as wide as it is long only where string-width agrees', () => {
    const ranges = [[0x20, 0x7e], [0xb7, 0xb7], [0xc0, 0xff], [0x2010, 0x2027], [0x2190, 0x2193], [0x2212, 0x2212], [0x2500, 0x259f]];
    for (const [from, to] of ranges) {
      for (let c = from!; c <= to!; c++) {
        const ch = String.fromCharCode(c);
        expect(ONE_COLUMN.test(ch), ch).toBe(true);
        expect(stringWidth(ch), `U+${c.toString(16)}`).toBe(1);
      }
    }
    // Just outside them: wide, zero-width or control characters, which string-width measures.
    for (const ch of ['\u00ad', '\u2028', '\u2194', '\u25a0', '服', '\u0301']) expect(ONE_COLUMN.test(ch), ch).toBe(false);
    expect(displayWidth('█▌── café …')).toBe(11);
  });

  it('prints 20,000 rows (the table printer is linear)', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [`op-${i}`, String(i)]);
    const table = renderTable([{ header: 'NAME' }, { header: 'N', align: 'right' }], rows, { color: false, width: 80, tty: false });
    expect(table.split('\n')).toHaveLength(20_002);
  });
});
