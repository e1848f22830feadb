import { open, type FileHandle } from 'node:fs/promises';
import { encodeOtlpJsonLine } from '../../formats/otlp-json-encode.js';
import { InputError } from '../../model/errors.js';
import type { SpanRecord } from '../../model/span.js';
import { describeFsError } from '../files.js';

/**
 * The file `receive` and `run` write: Collector file-exporter JSON lines, appended, one line
 * per request, each written before the request is answered (so a crash loses at most the
 * request in flight). Writes are queued so two requests' lines never interleave.
 */
export class OtlpLinesFile {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly handle: FileHandle,
    readonly name: string,
  ) {}

  /** `truncate`: start the file afresh (`run`), else append to what it holds (`receive`). */
  static async open(path: string, name: string, truncate = false): Promise<OtlpLinesFile> {
    try {
      return new OtlpLinesFile(await open(path, truncate ? 'w' : 'a'), name);
    } catch (error) {
      throw new InputError(`cannot write ${name}: ${describeFsError(error)}`, { cause: error });
    }
  }

  append(spans: readonly SpanRecord[]): Promise<void> {
    if (spans.length === 0) return this.queue;
    const line = encodeOtlpJsonLine(spans);
    const write = this.queue.then(async () => {
      await this.handle.write(line);
    });
    // A failed write fails its own request; the next one tries again.
    this.queue = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle.close();
  }
}
