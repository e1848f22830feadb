import type { Io, OutputStream } from '../io.js';
import { silentProgress, type Progress } from '../sources/backends/backend.js';

/**
 * A spinner on stderr when stderr is a terminal; nothing at all otherwise (a pipe or a log
 * file gets no progress noise). ora is loaded only when a spinner is shown.
 */
export async function startProgress(io: Io): Promise<Progress> {
  if (!io.stderr.isTTY) return silentProgress;
  const { default: ora } = await import('ora');
  const spinner = ora({
    stream: terminalStream(io.stderr) as unknown as NodeJS.WritableStream,
    // The terminal check is ours (io.stderr.isTTY), not ora's look at process.env.
    isEnabled: true,
    discardStdin: false,
    hideCursor: false,
  });
  let started = false;
  return {
    update(text) {
      if (!started) {
        spinner.start(text);
        started = true;
      } else spinner.text = text;
    },
    stop() {
      if (started) spinner.stop();
      started = false;
    },
  };
}

/** What ora needs of a stream, over `Io`'s stderr: writes and the cursor movements it uses. */
function terminalStream(out: OutputStream): object {
  const esc = '\u001b[';
  return {
    isTTY: true,
    get columns() {
      return out.columns ?? 80;
    },
    write(text: string) {
      out.write(text);
      return true;
    },
    cursorTo(x: number) {
      out.write(`${esc}${x + 1}G`);
      return true;
    },
    moveCursor(dx: number, dy: number) {
      if (dx !== 0) out.write(`${esc}${Math.abs(dx)}${dx > 0 ? 'C' : 'D'}`);
      if (dy !== 0) out.write(`${esc}${Math.abs(dy)}${dy > 0 ? 'B' : 'A'}`);
      return true;
    },
    clearLine(dir: number) {
      out.write(`${esc}${dir === 1 ? '0' : dir === -1 ? '1' : '2'}K`);
      return true;
    },
    on: () => undefined,
    once: () => undefined,
    removeListener: () => undefined,
  };
}
