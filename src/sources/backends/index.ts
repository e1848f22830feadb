import type { Io } from '../../io.js';
import type { Backend, BackendFactory } from './backend.js';
import type { BackendConfig, BackendKind } from './config.js';
import { HttpClient } from './http.js';
import { createJaegerBackend } from './jaeger.js';
import { silentProgress, startProgress, type Progress } from './progress.js';
import { createTempoBackend } from './tempo.js';
import { createZipkinBackend } from './zipkin.js';

/**
 * The backend clients by `--backend` kind. To add one: write `createXBackend(context)` in
 * its own file implementing `Backend` over the shared `HttpClient` (decode with the
 * decoders in `formats/`, never a new one), list it here and in `backendKinds`.
 */
export const backends = {
  jaeger: createJaegerBackend,
  tempo: createTempoBackend,
  zipkin: createZipkinBackend,
} satisfies Record<BackendKind, BackendFactory>;

export interface OpenBackend {
  backend: Backend;
  progress: Progress;
  /** Closes the connection pool and ends the progress line; always call it. */
  close(): Promise<void>;
}

/** Opens a client for `config`; `--verbose` lines go to `log`. */
export async function openBackend(config: BackendConfig, io: Io, log?: (line: string) => void): Promise<OpenBackend> {
  const http = await HttpClient.open(config, log);
  // --verbose logs every request on stderr: a spinner there would garble those lines.
  const progress = log === undefined ? await startProgress(io) : silentProgress;
  const backend = backends[config.kind]({ http, config, progress });
  return {
    backend,
    progress,
    async close() {
      progress.stop();
      await http.close();
    },
  };
}

export type { Backend, SearchRequest, SearchResult } from './backend.js';
export { backendKinds, type BackendConfig, type BackendKind, type TimeWindow } from './config.js';
