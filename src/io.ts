import type { Readable } from 'node:stream';

/**
 * Everything a command may touch of the outside world. Only `bin/tracectl.js` builds
 * one from `process`; tests build their own with captured streams and a fixed clock.
 */
export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: Readable & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  now: () => Date;
}

export interface OutputStream {
  write(text: string): void;
  isTTY: boolean;
  /** Terminal width when `isTTY`. */
  columns?: number;
}

export function processIo(): Io {
  const wrap = (stream: NodeJS.WriteStream): OutputStream => ({
    write: (text) => void stream.write(text),
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.columns;
    },
  });
  return {
    stdout: wrap(process.stdout),
    stderr: wrap(process.stderr),
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
  };
}
