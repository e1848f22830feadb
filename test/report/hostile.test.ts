import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';

/**
 * One hostile trace through every command's output. Its span names, service names,
 * attribute keys and values, event names, status messages and exception types and
 * messages hold escape sequences that would recolour the terminal, clear it, retitle the
 * window, plant a hyperlink or write the clipboard (CSI, OSC 0/8/52), C0 and C1 controls,
 * DEL and bidi overrides; one value is a megabyte long. The same trace is written as OTLP
 * JSON, Jaeger JSON and Zipkin JSON.
 *
 * Text output — piped and on an 80-column terminal, with colour off and on — must carry
 * no control character but newline (and, with colour, only our own SGR `ESC[…m`), no
 * bidi control, and no line longer than the terminal (piped: a bounded length, never the
 * megabyte). `--json` keeps every string exactly.
 */

/** Every kind of sequence a span name could use against a terminal. */
const ATTACKS = [
  '\u001b[31mred\u001b[0m', // CSI SGR: recolours
  '\u001b[2J\u001b[H', // CSI: clears the screen, homes the cursor
  '\u001b[1A\u001b[2K', // CSI: moves up and erases a line already printed
  '\u001b]0;pwned\u0007', // OSC 0: window title
  '\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\', // OSC 8: hyperlink
  '\u001b]52;c;cm0gLXJmIH4=\u0007', // OSC 52: writes the clipboard
  '\u001bP+q544e\u001b\\', // DCS: terminfo query
  'cr\rback\bbell\u0007nul\u0000tab\tvt\u000bff\u000c', // C0
  '\u009b31mc1-csi\u009d0;c1-osc\u009c\u0085nel', // C1: CSI, OSC, NEL
  'del\u007f',
  '\u202eevil\u202c \u2066isolate\u2069 \u200f\u061c', // bidi override, isolate, marks
  'line\u2028sep\u2029para',
].join(' ');

const hostile = (label: string): string => `${label} ${ATTACKS}`;

/** A megabyte of hostile text. */
const MEGABYTE = (hostile('mb') + ' '.padEnd(1000, 'y')).repeat(Math.ceil(1_000_000 / (hostile('mb').length + 1000))).slice(0, 1_000_000);

const GATEWAY = hostile('gateway');
const LLM_API = hostile('llm-api');
const PEER = hostile('redis');
const DB = hostile('postgres');
const MODEL = hostile('gpt-x');
const KEY = hostile('attr.key');

type Value = string | number | boolean;
interface SpanSpec {
  id: string;
  parent?: string;
  service: string;
  name: string;
  kind: 'server' | 'client' | 'internal';
  start: number;
  dur: number;
  attrs: Record<string, Value>;
  events: { name: string; at: number; attrs: Record<string, Value> }[];
  error?: string;
}

const TRACE_IDS = ['a1'.repeat(16), 'b2'.repeat(16)];
const BASE_US = 1_793_527_200_000_000;

/** The hostile trace; `n` varies the timings and the cache result so two traces differ. */
function hostileSpans(n: number): SpanSpec[] {
  const id = (k: number): string => `${n + 1}${k}`.padStart(16, '0');
  return [
    {
      id: id(1),
      service: GATEWAY,
      name: hostile('POST /ask'),
      kind: 'server',
      start: 0,
      dur: 100 + n * 50,
      attrs: { [KEY]: hostile('value'), 'http.route': hostile('/ask'), 'big.value': MEGABYTE },
      events: [{ name: hostile('retry'), at: 1, attrs: { [hostile('event.key')]: hostile('event value') } }],
    },
    {
      id: id(2),
      parent: id(1),
      service: GATEWAY,
      name: hostile('cache get'),
      kind: 'client',
      start: 5,
      dur: 5,
      attrs: { 'cache.hit': n === 0, 'peer.service': PEER },
      events: [],
    },
    {
      id: id(3),
      parent: id(1),
      service: GATEWAY,
      name: hostile('chat'),
      kind: 'client',
      start: 10,
      dur: 80 + n * 50,
      attrs: { 'gen_ai.request.model': MODEL, 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.cache_read.input_tokens': 50 },
      events: [],
    },
    {
      id: id(4),
      parent: id(3),
      service: LLM_API,
      name: hostile('complete'),
      kind: 'server',
      start: 12,
      dur: 76 + n * 50,
      attrs: {},
      events: [{ name: 'exception', at: 70, attrs: { 'exception.type': hostile('TimeoutError'), 'exception.message': hostile('timed out') } }],
      error: hostile('upstream failed'),
    },
    {
      id: id(5),
      parent: id(4),
      service: LLM_API,
      name: hostile('db query'),
      kind: 'client',
      start: 20,
      dur: 60 + n * 50,
      attrs: { 'db.system': DB },
      events: [{ name: 'exception', at: 55, attrs: { 'exception.type': hostile('DbError'), 'exception.message': hostile('connection reset') } }],
      error: hostile('query failed'),
    },
  ];
}

const traces = TRACE_IDS.map((traceId, n) => ({ traceId, spans: hostileSpans(n) }));
const ALL_SPANS = traces.flatMap((t) => t.spans);

const otlpValue = (v: Value): Record<string, Value> =>
  typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : { intValue: String(v) };
const otlpAttrs = (attrs: Record<string, Value>) => Object.entries(attrs).map(([key, v]) => ({ key, value: otlpValue(v) }));
const ns = (ms: number): string => String(BigInt(BASE_US) * 1000n + BigInt(Math.round(ms * 1e6)));

function toOtlp(): string {
  // One JSON line per trace, as the Collector's file exporter writes them.
  return traces
    .map(({ traceId, spans }) =>
      JSON.stringify({
        resourceSpans: [...new Set(spans.map((s) => s.service))].map((service) => ({
          resource: { attributes: otlpAttrs({ 'service.name': service }) },
          scopeSpans: [
            {
              scope: { name: hostile('scope') },
              spans: spans
                .filter((s) => s.service === service)
                .map((s) => ({
                  traceId,
                  spanId: s.id,
                  parentSpanId: s.parent ?? '',
                  name: s.name,
                  kind: `SPAN_KIND_${s.kind.toUpperCase()}`,
                  startTimeUnixNano: ns(s.start),
                  endTimeUnixNano: ns(s.start + s.dur),
                  attributes: otlpAttrs(s.attrs),
                  events: s.events.map((e) => ({ name: e.name, timeUnixNano: ns(e.at), attributes: otlpAttrs(e.attrs) })),
                  status: s.error === undefined ? {} : { code: 'STATUS_CODE_ERROR', message: s.error },
                })),
            },
          ],
        })),
      }),
    )
    .join('\n');
}

const us = (ms: number): number => BASE_US + Math.round(ms * 1000);
const jaegerTag = (key: string, v: Value) => ({ key, type: typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : 'int64', value: v });

function toJaeger(): string {
  return JSON.stringify({
    data: traces.map(({ traceId, spans }) => {
      const services = [...new Set(spans.map((s) => s.service))];
      return {
        traceID: traceId,
        processes: Object.fromEntries(services.map((service, i) => [`p${i}`, { serviceName: service, tags: [] }])),
        spans: spans.map((s) => ({
          traceID: traceId,
          spanID: s.id,
          operationName: s.name,
          references: s.parent ? [{ refType: 'CHILD_OF', traceID: traceId, spanID: s.parent }] : [],
          startTime: us(s.start),
          duration: Math.round(s.dur * 1000),
          processID: `p${services.indexOf(s.service)}`,
          tags: [
            ...Object.entries(s.attrs).map(([k, v]) => jaegerTag(k, v)),
            jaegerTag('span.kind', s.kind),
            ...(s.error === undefined ? [] : [jaegerTag('error', true), jaegerTag('otel.status_description', s.error)]),
          ],
          logs: s.events.map((e) => ({ timestamp: us(e.at), fields: [jaegerTag('event', e.name), ...Object.entries(e.attrs).map(([k, v]) => jaegerTag(k, v))] })),
        })),
      };
    }),
  });
}

function toZipkin(): string {
  return JSON.stringify(
    traces.map(({ traceId, spans }) =>
      spans.map((s) => ({
        traceId,
        id: s.id,
        ...(s.parent ? { parentId: s.parent } : {}),
        name: s.name,
        ...(s.kind === 'internal' ? {} : { kind: s.kind.toUpperCase() }),
        timestamp: us(s.start),
        duration: Math.round(s.dur * 1000),
        localEndpoint: { serviceName: s.service },
        ...(typeof s.attrs['peer.service'] === 'string' ? { remoteEndpoint: { serviceName: s.attrs['peer.service'] } } : {}),
        tags: { ...Object.fromEntries(Object.entries(s.attrs).map(([k, v]) => [k, String(v)])), ...(s.error === undefined ? {} : { error: s.error }) },
        annotations: s.events.map((e) => ({ timestamp: us(e.at), value: e.name })),
      })),
    ),
  );
}

// ---------------------------------------------------------------------------------------

/** Control characters but newline; ESC is checked separately (colour). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001a\u001c-\u001f\u007f-\u009f]/;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;
/** Piped output keeps values whole up to 2,000 characters for grep; never the megabyte. */
const PIPED_LINE_MAX = 2_600;
const WIDTH = 80;

interface Mode {
  name: string;
  args: string[];
  tty?: number;
  color: boolean;
}
const MODES: Mode[] = [
  { name: 'piped', args: [], color: false },
  { name: 'piped --color', args: ['--color'], color: true },
  // On a terminal colour is on unless turned off.
  { name: `tty ${WIDTH}`, args: [], tty: WIDTH, color: true },
  { name: `tty ${WIDTH} --no-color`, args: ['--no-color'], tty: WIDTH, color: false },
];

/**
 * How long a line may be on the terminal: `width` for output that fits itself to the
 * terminal; `none` for pictures meant for documents. Piped output is always held to
 * PIPED_LINE_MAX.
 */
type LineBound = 'width' | 'none';
const COMMANDS: { name: string; args: (file: string) => string[]; bound: LineBound }[] = [
  { name: 'show', args: (f) => ['show', TRACE_IDS[1]!, f], bound: 'width' },
  { name: 'show --attrs', args: (f) => ['show', TRACE_IDS[1]!, f, '--attrs'], bound: 'width' },
  { name: 'show --attrs --expand', args: (f) => ['show', TRACE_IDS[0]!, f, '--attrs', '--expand'], bound: 'width' },
  { name: 'find', args: (f) => ['find', f], bound: 'width' },
  { name: 'find --slow', args: (f) => ['find', '--slow', '5', f], bound: 'width' },
  { name: 'bottlenecks --bands', args: (f) => ['bottlenecks', '--bands', f], bound: 'width' },
  { name: 'errors', args: (f) => ['errors', f], bound: 'width' },
  { name: 'cache', args: (f) => ['cache', f], bound: 'width' },
  { name: 'deps', args: (f) => ['deps', f], bound: 'width' },
  { name: 'deps --format mermaid', args: (f) => ['deps', '--format', 'mermaid', f], bound: 'none' },
  { name: 'deps --format dot', args: (f) => ['deps', '--format', 'dot', f], bound: 'none' },
  { name: 'analyze', args: (f) => ['analyze', f], bound: 'width' },
];

/** Everything wrong with one output stream, as readable strings (empty when it is clean). */
function problems(text: string, mode: Mode, bound: LineBound): string[] {
  const found: string[] = [];
  const escapes = text.match(/\u001b[^m]{0,12}m?/g) ?? []; // eslint-disable-line no-control-regex
  const plain = text.replace(SGR, '');
  if (!mode.color && escapes.length > 0) found.push(`escape sequences with colour off: ${JSON.stringify(escapes.slice(0, 3))}`);
  if (plain.includes('\u001b')) found.push(`an ESC that is not SGR: ${JSON.stringify(plain.slice(plain.indexOf('\u001b'), plain.indexOf('\u001b') + 20))}`);
  const control = CONTROL.exec(plain);
  if (control) found.push(`control character U+${control[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${JSON.stringify(plain.slice(Math.max(0, control.index - 20), control.index + 5))}`);
  const bidi = BIDI.exec(plain);
  if (bidi) found.push(`bidi control U+${bidi[0].codePointAt(0)!.toString(16)}`);
  const max = mode.tty === undefined || bound === 'none' ? PIPED_LINE_MAX : mode.tty;
  plain.split('\n').forEach((line, i) => {
    if (line.length > max) found.push(`line ${i + 1} is ${line.length} characters (bound ${max}): ${JSON.stringify(line.slice(0, 60))}…`);
  });
  return found;
}

const FORMATS = { otlp: toOtlp, jaeger: toJaeger, zipkin: toZipkin };
let dir: string;
const files: Record<keyof typeof FORMATS, string> = { otlp: '', jaeger: '', zipkin: '' };
/** Runs are cached: the JSON tests reuse the text runs' inputs. */
const runs = new Map<string, Promise<CliRun>>();
const run = (args: string[], tty?: number): Promise<CliRun> => {
  const key = JSON.stringify([args, tty]);
  if (!runs.has(key)) runs.set(key, runCli(args, tty === undefined ? {} : { tty }));
  return runs.get(key)!;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tracectl-hostile-'));
  for (const [format, write] of Object.entries(FORMATS)) {
    // The file name is hostile too: it shows up in warnings and errors.
    const file = join(dir, `${format}-\u001b]0;title\u0007\u202e.json`);
    writeFileSync(file, write());
    files[format as keyof typeof FORMATS] = file;
  }
});

afterAll(() => runs.clear());

describe.each(Object.keys(FORMATS) as (keyof typeof FORMATS)[])('a hostile trace as %s', (format) => {
  const modes = format === 'otlp' ? MODES : [MODES[0]!, MODES[2]!];
  describe.each(COMMANDS)('$name', ({ args, bound }) => {
    it.each(modes)('$name: no control or bidi character reaches the terminal, no line overflows', async (mode) => {
      const result = await run([...args(files[format]), ...mode.args], mode.tty);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.length).toBeGreaterThan(0);
      expect(problems(result.stdout, mode, bound)).toEqual([]);
      expect(problems(result.stderr, { ...mode, color: false }, 'width')).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------

interface ShowJson {
  spans: { spanId: string; name: string; service: string; statusMessage: string | null; attributes: Record<string, unknown>; events: { name: string; attributes: Record<string, unknown> }[] }[];
}

const json = async <T>(args: string[]): Promise<T> => {
  const result = await run([...args, '--json']);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as T;
};

describe('--json keeps every hostile string exactly', () => {
  it.each(Object.keys(FORMATS) as (keyof typeof FORMATS)[])('show (%s): names, services, attributes, events, status messages', async (format) => {
    for (const [n, traceId] of TRACE_IDS.entries()) {
      const body = await json<ShowJson>(['show', traceId, files[format]]);
      const originals = traces[n]!.spans;
      expect(body.spans.map((s) => s.spanId).sort()).toEqual(originals.map((s) => s.id).sort());
      for (const original of originals) {
        const span = body.spans.find((s) => s.spanId === original.id)!;
        expect(span.name).toBe(original.name);
        expect(span.service).toBe(original.service);
        expect(span.statusMessage).toBe(original.error ?? null);
        for (const [key, value] of Object.entries(original.attrs)) {
          // Zipkin tags are strings.
          expect(span.attributes[key]).toEqual(format === 'zipkin' ? String(value) : value);
        }
        expect(span.events.map((e) => e.name)).toEqual(original.events.map((e) => e.name));
        if (format !== 'zipkin') {
          for (const [i, event] of original.events.entries()) expect(span.events[i]!.attributes).toMatchObject(event.attrs);
        }
      }
    }
  });

  it('find, bottlenecks, errors, cache, deps and analyze (otlp)', async () => {
    const file = files.otlp;
    const find = await json<{ traces: { rootService: string; rootName: string }[] }>(['find', file]);
    expect(find.traces.map((t) => [t.rootService, t.rootName])).toEqual([
      [GATEWAY, hostile('POST /ask')],
      [GATEWAY, hostile('POST /ask')],
    ]);

    const names = new Set(ALL_SPANS.map((s) => `${s.service}|${s.name}`));
    const bottlenecks = await json<{ operations: { service: string; name: string }[] }>(['bottlenecks', file]);
    expect(bottlenecks.operations.length).toBeGreaterThan(0);
    for (const op of bottlenecks.operations) expect(names.has(`${op.service}|${op.name}`)).toBe(true);

    const errors = await json<{ roots: { service: string; name: string; errorType: string | null; sampleMessage: string | null }[] }>(['errors', file]);
    expect(errors.roots.map((r) => [r.service, r.name, r.errorType])).toEqual([[LLM_API, hostile('db query'), hostile('DbError')]]);
    expect([hostile('connection reset'), hostile('query failed')]).toContain(errors.roots[0]!.sampleMessage);

    const cache = await json<{ caches: { service: string; name: string; hits: number; misses: number }[] }>(['cache', file]);
    expect(cache.caches).toMatchObject([{ service: GATEWAY, name: hostile('cache get'), hits: 1, misses: 1 }]);
    const llm = await json<{ models: { model: string }[] }>(['llm', file]);
    expect(llm.models.map((m) => m.model)).toEqual([MODEL]);

    const deps = await json<{ services: { name: string }[]; edges: { from: string; to: string }[] }>(['deps', file]);
    expect(deps.services.map((s) => s.name).sort()).toEqual([GATEWAY, LLM_API, PEER, DB].sort());
    expect(deps.edges.map((e) => [e.from, e.to]).sort()).toEqual(
      [
        [GATEWAY, PEER],
        [GATEWAY, LLM_API],
        [LLM_API, DB],
      ].sort(),
    );

    const analyze = await json<{ deps: { services: { name: string }[] } }>(['analyze', file]);
    expect(analyze.deps.services.map((s) => s.name).sort()).toEqual([GATEWAY, LLM_API, PEER, DB].sort());
  });
});

// ---------------------------------------------------------------------------------------

describe('names from the user are cleaned in messages', () => {
  const NAME = 'missing-\u001b]0;title\u0007-\u001b[31m-\u202e-\u009b2J.json';
  const clean = (result: CliRun): void => {
    expect(problems(result.stderr, MODES[0]!, 'width')).toEqual([]);
    expect(problems(result.stdout, MODES[0]!, 'width')).toEqual([]);
  };

  it('a missing file with control characters in its name: exit 3, the name cleaned on stderr', async () => {
    const result = await runCli(['find', NAME]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^tracectl: .*missing-.*\.json/);
    clean(result);
  });

  it('a hostile file name in warnings and --verbose notes', async () => {
    const file = join(dir, 'broken-\u001b]52;c;eA==\u0007\u202e.jsonl');
    writeFileSync(file, `${toOtlp()}\n{"resourceSpans": [\n`);
    const result = await runCli(['find', file, '--verbose']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('skipped 1 malformed line');
    clean(result);
  });

  it('option values in usage errors', async () => {
    for (const args of [
      ['find', '--min-duration', '\u001b]0;x\u0007'],
      ['find', '--where', '\u001b[2J\u202e'],
      ['show', 'ab', '--depth', '\u009b2J'],
    ]) {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      clean(result);
    }
  });

  it('an unknown option or command named with escape sequences (commander\'s message)', async () => {
    for (const args of [['find', '--\u001b]0;x\u0007'], ['frobnicate\u001b[2J']]) {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      clean(result);
    }
  });

  it('a file that is not a trace file, and a trace id that is not one', async () => {
    const file = join(dir, 'not-\u001b[2J-traces.json');
    writeFileSync(file, '{"hello": "\u001b]0;x\u0007"}');
    const notTraces = await runCli(['find', file]);
    expect(notTraces.code).toBe(3);
    clean(notTraces);
    const badId = await runCli(['show', '\u001b]0;x\u0007', files.otlp]);
    expect(badId.code).toBe(2);
    clean(badId);
    const notFound = await runCli(['show', 'ab'.repeat(16), files.otlp, '--json']);
    expect(notFound.code).toBe(3);
    clean(notFound);
    expect(JSON.parse(notFound.stdout)).toMatchObject({ error: { code: 3 } });
  });
});
