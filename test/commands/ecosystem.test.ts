import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigJson, FindJson, ShowJson } from '../../src/report/json-contract.js';
import { runCli } from '../helpers/cli.js';
import { jaegerHandler, startServer, tempoHandler, zipkinHandler, type FakeServer, type Handler } from '../sources/backends/fake-backends.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';
const SLOWEST = 'c54f2723e9f99318a2801aebd7457eb1';

let servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function serve(handler: Handler): Promise<FakeServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

describe('tracectl completion', () => {
  const complete = (script: string, words: string[]): string[] => {
    const set = `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tracectl; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync('bash', ['-c', `${script}\n${set}`], { encoding: 'utf8' }).split('\n').filter((l) => l !== '');
  };

  it('bash completes commands, options, option choices and subcommands from the command definitions', async () => {
    const run = await runCli(['completion', 'bash']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(complete(run.stdout, ['tracectl', 'at'])).toEqual(['attrs']);
    expect(complete(run.stdout, ['tracectl', 'find', '--rev'])).toEqual(['--reverse']);
    expect(complete(run.stdout, ['tracectl', 'find', '--sort', 's'])).toEqual(['start', 'spans']);
    expect(complete(run.stdout, ['tracectl', 'config', ''])).toEqual(['list', 'use', 'current']);
    expect(complete(run.stdout, ['tracectl', 'show', '--wi'])).toEqual(['--width']);
  });

  it('zsh loads the bash script through bashcompinit; fish gets complete lines with descriptions', async () => {
    const zsh = await runCli(['completion', 'zsh']);
    expect(zsh.stdout).toContain('autoload -U +X bashcompinit && bashcompinit\n');
    expect(zsh.stdout).toContain('complete -o filenames -F _tracectl tracectl');
    const fish = await runCli(['completion', 'fish']);
    expect(fish.stdout).toContain("complete -c tracectl -n '__fish_seen_subcommand_from find' -l sort -x -a 'start duration spans errors tokens cost' -d 'order by this, largest or newest first (default start; duration with --slow)'");
    expect(fish.stdout).toContain("complete -c tracectl -n '__fish_seen_subcommand_from config' -a use -d 'make this named backend the current one'");
  });

  it('refuses a shell it does not know (exit 2)', async () => {
    const run = await runCli(['completion', 'powershell']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^tracectl: command-argument value 'powershell' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish\./);
  });
});

describe('show --json absolute times', () => {
  it("carries the trace's start and each span's, ISO 8601 to the nanosecond, agreeing with startMs", async () => {
    const body = JSON.parse((await runCli(['show', SLOWEST, DEMO, '--json'])).stdout) as ShowJson;
    // The text header says 2026-11-01 10:47:08Z for this trace.
    expect(body.start).toMatch(/^2026-11-01T10:47:08\.\d{9}Z$/);
    expect(body.spans[0]!.start).toBe(body.start);
    for (const span of body.spans) {
      expect(span.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      const offsetMs = Date.parse(span.start) - Date.parse(body.start);
      expect(Math.abs(offsetMs - span.startMs)).toBeLessThan(1);
    }
    expect(body).not.toHaveProperty('url');
  });
});

describe('trace URLs in the web UI', () => {
  it('Jaeger: show prints /trace/<id> and --json carries it; find --json carries each trace\'s', async () => {
    const server = await serve(jaegerHandler({ api: 'v3' }));
    const text = await runCli(['show', SLOWEST, '--backend', `jaeger:${server.url}`]);
    expect(text.code).toBe(0);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe(`${server.url}/trace/${SLOWEST}`);
    const json = JSON.parse((await runCli(['show', SLOWEST, '--json', '--backend', `jaeger:${server.url}`])).stdout) as ShowJson;
    expect(json.url).toBe(`${server.url}/trace/${SLOWEST}`);
    const found = JSON.parse((await runCli(['find', '--slow', '2', '--json', '--service', 'gateway', '--backend', `jaeger:${server.url}`, '--from', '2026-11-01T09:00:00Z', '--to', '2026-11-01T12:00:00Z'])).stdout) as FindJson & { traces: { url?: string }[] };
    expect(found.traces).toHaveLength(2);
    for (const t of found.traces) expect(t.url).toBe(`${server.url}/trace/${t.traceId}`);
    const table = await runCli(['find', '--slow', '2', '--service', 'gateway', '--backend', `jaeger:${server.url}`, '--from', '2026-11-01T09:00:00Z', '--to', '2026-11-01T12:00:00Z'], { tty: 120 });
    expect(table.stdout).toContain(`open in the web UI: ${server.url}/trace/${found.traces[0]!.traceId}`);
  });

  it('Zipkin: /zipkin/traces/<id>; Tempo: Grafana Explore with --ui-url, none without', async () => {
    const zipkin = await serve(zipkinHandler());
    const z = JSON.parse((await runCli(['show', SLOWEST, '--json', '--backend', `zipkin:${zipkin.url}`])).stdout) as ShowJson;
    expect(z.url).toBe(`${zipkin.url}/zipkin/traces/${SLOWEST}`);
    const tempo = await serve(tempoHandler());
    const bare = JSON.parse((await runCli(['show', SLOWEST, '--json', '--backend', `tempo:${tempo.url}`])).stdout) as ShowJson;
    expect(bare).not.toHaveProperty('url');
    const t = JSON.parse((await runCli(['show', SLOWEST, '--json', '--backend', `tempo:${tempo.url}`, '--ui-url', 'https://grafana.example.com/'])).stdout) as ShowJson;
    const url = new URL(t.url!);
    expect(`${url.origin}${url.pathname}`).toBe('https://grafana.example.com/explore');
    expect(JSON.parse(url.searchParams.get('left')!)).toEqual({
      datasource: 'tempo', queries: [{ refId: 'A', datasource: { type: 'tempo', uid: 'tempo' }, queryType: 'traceql', query: SLOWEST }], range: { from: 'now-1h', to: 'now' },
    });
  });
});

describe('named backends', () => {
  const TOKEN = 'tk_named_0123456789';
  function configHome(text: string): string {
    const home = mkdtempSync(join(tmpdir(), 'tracectl-config-'));
    mkdirSync(join(home, 'tracectl'));
    writeFileSync(join(home, 'tracectl', 'config.yaml'), text);
    return home;
  }
  const configFor = (prod: string, staging: string): string =>
    `# our backends\ncurrent-context: prod\nbackends:\n  prod:\n    kind: jaeger\n    url: ${prod}\n    headers: { X-Team: checkout }\n    token-env: PROD_TOKEN\n  staging:\n    kind: zipkin\n    url: ${staging}\n`;

  it('config list, use and current; use keeps the rest of the file', async () => {
    const home = configHome(configFor('http://127.0.0.1:1', 'http://127.0.0.1:2'));
    const env = { XDG_CONFIG_HOME: home };
    const list = await runCli(['config', 'list'], { env });
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout.split('\n').slice(0, 3)).toEqual([
      'CURRENT  NAME     KIND    URL                 TOKEN FROM',
      '*        prod     jaeger  http://127.0.0.1:1  $PROD_TOKEN',
      '         staging  zipkin  http://127.0.0.1:2',
    ]);
    expect((await runCli(['config', 'current'], { env })).stdout).toBe('prod\n');
    expect(await runCli(['config', 'use', 'staging'], { env })).toMatchObject({ code: 0, stdout: `current backend: staging (${join(home, 'tracectl', 'config.yaml')})\n` });
    expect((await runCli(['config', 'current'], { env })).stdout).toBe('staging\n');
    const file = readFileSync(join(home, 'tracectl', 'config.yaml'), 'utf8');
    expect(file).toContain('# our backends\ncurrent-context: staging\n');
    expect(file).toContain('token-env: PROD_TOKEN');
    const json = JSON.parse((await runCli(['config', 'list', '--json'], { env })).stdout) as ConfigJson;
    expect(json.current).toBe('staging');
    expect(json.backends.map((b) => b.name)).toEqual(['prod', 'staging']);
    const unknown = await runCli(['config', 'use', 'qa'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`tracectl: config use: no backend named "qa"; ${join(home, 'tracectl', 'config.yaml')} has prod, staging\n`);
  });

  it('reads from the current backend with its headers and the token from the variable it names; --context and TRACECTL_CONTEXT choose another', async () => {
    const prod = await serve(jaegerHandler({ api: 'v3' }));
    const staging = await serve(zipkinHandler());
    const home = configHome(configFor(prod.url, staging.url));
    const env = { XDG_CONFIG_HOME: home, PROD_TOKEN: TOKEN };
    const current = await runCli(['show', SLOWEST, '--json'], { env });
    expect(current.code).toBe(0);
    expect((JSON.parse(current.stdout) as ShowJson).url).toBe(`${prod.url}/trace/${SLOWEST}`);
    const request = prod.to('/api/v3/traces/')[0]!;
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['x-team']).toBe('checkout');
    // Environment over the file, the flag over the environment.
    const viaEnv = JSON.parse((await runCli(['show', SLOWEST, '--json'], { env: { ...env, TRACECTL_CONTEXT: 'staging' } })).stdout) as ShowJson;
    expect(viaEnv.url).toBe(`${staging.url}/zipkin/traces/${SLOWEST}`);
    const viaFlag = JSON.parse((await runCli(['show', SLOWEST, '--json', '--context', 'prod'], { env: { ...env, TRACECTL_CONTEXT: 'staging' } })).stdout) as ShowJson;
    expect(viaFlag.url).toBe(`${prod.url}/trace/${SLOWEST}`);
    const viaBackendEnv = JSON.parse((await runCli(['show', SLOWEST, '--json'], { env: { ...env, TRACECTL_BACKEND: `zipkin:${staging.url}` } })).stdout) as ShowJson;
    expect(viaBackendEnv.url).toBe(`${staging.url}/zipkin/traces/${SLOWEST}`);
    // Files named: neither the environment nor the file hides them.
    const files = JSON.parse((await runCli(['show', SLOWEST, DEMO, '--json'], { env })).stdout) as ShowJson;
    expect(files).not.toHaveProperty('url');
  });

  it('is a configuration error (exit 2): a token in the file, an unset token variable, an unknown name', async () => {
    const withToken = configHome(`backends:\n  prod:\n    kind: jaeger\n    url: http://127.0.0.1:1\n    token: ${TOKEN}\n`);
    const a = await runCli(['find', '--context', 'prod'], { env: { XDG_CONFIG_HOME: withToken } });
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('the file holds no tokens; name the variable that holds it with token-env');
    expect(a.stderr).not.toContain(TOKEN);
    const home = configHome(configFor('http://127.0.0.1:1', 'http://127.0.0.1:2'));
    const b = await runCli(['find'], { env: { XDG_CONFIG_HOME: home } });
    expect(b).toMatchObject({ code: 2, stdout: '', stderr: 'tracectl: backend "prod" takes its token from PROD_TOKEN, which is not set\n' });
    const c = await runCli(['find', '--context', 'qa'], { env: { XDG_CONFIG_HOME: home } });
    expect(c.stderr).toBe(`tracectl: --context: no backend named "qa"; ${join(home, 'tracectl', 'config.yaml')} has prod, staging\n`);
  });
});
