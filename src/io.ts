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
  /**
   * SIGINT and SIGTERM: `handler` runs on each until the returned function is called (while
   * one is set, a signal no longer ends the process by itself). Absent where nothing sends
   * signals: in-process tests stop `receive` with --exit-after or --exit-when-idle.
   */
  onSignal?: (handler: (signal: StopSignal) => void) => () => void;
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface OutputStream {
  write(text: string): void;
  isTTY: boolean;
  /** Terminal width when `isTTY`. */
  columns?: number;
}

/** Whether each process stream's reader went away; one listener per stream, however many `Io`s are made. */
const pipes = new WeakMap<NodeJS.WriteStream, { closed: boolean }>();

function watchPipe(stream: NodeJS.WriteStream): { closed: boolean } {
  let pipe = pipes.get(stream);
  if (pipe === undefined) {
    const state = { closed: false };
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      state.closed = true;
    });
    pipes.set(stream, state);
    pipe = state;
  }
  return pipe;
}

export function processIo(): Io {
  const wrap = (stream: NodeJS.WriteStream): OutputStream => {
    // A reader that went away (`tracectl find … | head -1`) closes the pipe: stop writing,
    // quietly, as cat does, and let the command end with its own exit code.
    const pipe = watchPipe(stream);
    return {
      write: (text) => {
        if (!pipe.closed) stream.write(text);
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
    onSignal: (handler) => {
      const signals: StopSignal[] = ['SIGINT', 'SIGTERM'];
      for (const signal of signals) process.on(signal, handler);
      return () => {
        for (const signal of signals) process.off(signal, handler);
      };
    },
  };
}
