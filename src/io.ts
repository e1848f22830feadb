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
  const wrap = (stream: NodeJS.WriteStream): OutputStream => {
    // A reader that went away (`tracectl find … | head -1`) closes the pipe: stop writing,
    // quietly, as cat does, and let the command end with its own exit code.
    let closed = false;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      closed = true;
    });
    return {
      write: (text) => {
        if (!closed) stream.write(text);
      },
      get isTTY() {
        return stream.isTTY === true;
      },
      get columns() {
        return stream.columns;
      },
    };
  };
  return {
    stdout: wrap(process.stdout),
    stderr: wrap(process.stderr),
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
  };
}
