import type { Backend, BackendFactory, Progress } from './backend.js';
import type { BackendConfig, BackendKind } from './config.js';
import { HttpClient } from './http.js';
import { createJaegerBackend } from './jaeger.js';
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

/** Opens a client for `config`; `--verbose` lines go to `log`, progress to `progress`. */
export async function openBackend(config: BackendConfig, progress: Progress, log?: (line: string) => void): Promise<OpenBackend> {
  const http = await HttpClient.open(config, log);
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

export { silentProgress, type Backend, type Progress, type SearchRequest, type SearchResult } from './backend.js';
export { backendKinds, type BackendConfig, type BackendKind, type TimeWindow } from './config.js';
