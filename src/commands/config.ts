import { Command } from 'commander';
import type { Io } from '../io.js';
import { UsageError } from '../model/errors.js';
import type { ConfigJson } from '../report/json-contract.js';
import { renderJson } from '../report/json.js';
import { SECRET_HEADER } from '../sources/backends/config.js';
import { cleanText } from '../report/sanitize.js';
import { palette } from '../report/style.js';
import { renderTable } from '../report/table.js';
import { configPath, readContexts, useContext, type ContextsFile } from './contexts.js';
import { renderContext } from './options.js';

/** The file as `--json` shows it: credential header values masked, as everywhere else. */
function configJson(file: ContextsFile): ConfigJson {
  const mask = (headers: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SECRET_HEADER.test(k) ? '***' : v]));
  return { path: file.path, current: file.current, backends: file.backends.map((b) => ({ ...b, headers: mask(b.headers) })) };
}

interface ConfigOptions {
  json?: boolean;
}

/** The config file as read; without a home for it, a configuration error that says how to give one. */
async function contextsOrFail(io: Io): Promise<ContextsFile> {
  const file = await readContexts(io);
  if (file === null) throw new UsageError('no config file: set XDG_CONFIG_HOME or HOME (tracectl reads $XDG_CONFIG_HOME/tracectl/config.yaml)');
  return file;
}

/** `config list`: the named backends, the current one marked `*`; tokens never appear (the file holds only their variables' names). */
export async function runConfigList(opts: ConfigOptions, io: Io): Promise<number> {
  const file = await contextsOrFail(io);
  if (opts.json) {
    io.stdout.write(renderJson(configJson(file)));
    return 0;
  }
  if (file.backends.length === 0) {
    io.stdout.write(`no named backends in ${cleanText(file.path)} (docs/backends.md "Named backends" shows the file)\n`);
    return 0;
  }
  const ctx = renderContext({}, io);
  const p = palette(ctx);
  const rows = file.backends.map((b) => [b.name === file.current ? '*' : '', cleanText(b.name), b.kind, cleanText(b.url), b.tokenEnv === undefined ? '' : `$${cleanText(b.tokenEnv)}`]);
  io.stdout.write(renderTable([{ header: 'CURRENT' }, { header: 'NAME' }, { header: 'KIND' }, { header: 'URL' }, { header: 'TOKEN FROM' }], rows, ctx));
  io.stdout.write(p.dim(`${cleanText(file.path)}\n`));
  return 0;
}

/** `config use NAME`: makes NAME the current backend, kept in the file. */
export async function runConfigUse(name: string, opts: ConfigOptions, io: Io): Promise<number> {
  const file = await useContext(io, name);
  if (opts.json) io.stdout.write(renderJson(configJson(file)));
  else io.stdout.write(`current backend: ${cleanText(name)} (${cleanText(file.path)})\n`);
  return 0;
}

/** `config current`: the current backend's name; none set is a configuration error, as in kubectl. */
export async function runConfigCurrent(opts: ConfigOptions, io: Io): Promise<number> {
  const file = await contextsOrFail(io);
  if (file.current === null) throw new UsageError(`no current backend: ${cleanText(file.path)} sets no current-context; run "tracectl config use NAME"`);
  if (opts.json) io.stdout.write(renderJson(configJson(file)));
  else io.stdout.write(`${cleanText(file.current)}\n`);
  return 0;
}

export function configCommand(io: Io, done: (code: number) => void): Command {
  const sub = (name: string, description: string): Command =>
    new Command(name).description(description).option('--json', 'print JSON (schema tracectl/v1) instead of text').exitOverride();
  const path = configPath(io) ?? '$XDG_CONFIG_HOME/tracectl/config.yaml';
  return new Command('config')
    .description('named backends, as kubectl has contexts: list them, choose one, say which is current')
    .addHelpText('after', `\nThe file: ${path}\nPrecedence: --backend/--context > TRACECTL_BACKEND/TRACECTL_CONTEXT > current-context.\n\nExamples:\n  $ tracectl config list\n  $ tracectl config use prod\n  $ tracectl find --slow --context staging\n`)
    .addCommand(sub('list', 'the named backends; * marks the current one').action(async (opts: ConfigOptions) => done(await runConfigList(opts, io))))
    .addCommand(sub('use', 'make this named backend the current one').argument('<name>', 'a backend named in the config file').action(async (name: string, opts: ConfigOptions) => done(await runConfigUse(name, opts, io))))
    .addCommand(sub('current', 'print the current backend\'s name').action(async (opts: ConfigOptions) => done(await runConfigCurrent(opts, io))));
}
