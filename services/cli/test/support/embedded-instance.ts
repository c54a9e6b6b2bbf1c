// `tracebar up` (embedded) in the test process, tuned to close ended sessions and write small
// batches quickly, on ports and a data folder of its own.
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type TracebarConfig } from '@tracebar/config';
import { runUp } from '../../src/commands/up.js';
import { quietLogger } from './admin-sql.js';

const repoConfig = path.resolve(import.meta.dirname, '../../../../config');

export interface EmbeddedInstance {
  config: TracebarConfig;
  adminUrl: string;
  otlpUrl: string;
  /** Stops it as a signal would; resolves with its exit code. */
  stop(): Promise<number>;
}

export async function startEmbedded(label: string, env: Record<string, string> = {}): Promise<EmbeddedInstance> {
  const { config } = loadConfig({
    env: {
      TRACEBAR_DATA_DIR: mkdtempSync(path.join(tmpdir(), `tracebar-${label}-`)),
      TRACEBAR_ADMIN__PORT: '0',
      TRACEBAR_OTLP__GRPC__PORT: '0',
      TRACEBAR_OTLP__HTTP__PORT: '0',
      TRACEBAR_SESSIONIZER__ALLOWED_LATENESS_MS: '100ms',
      TRACEBAR_SINK__FLUSH_INTERVAL_MS: '200ms',
      TRACEBAR_SCORER__OBJECTIVES_DIR: path.join(repoConfig, 'objectives'),
      TRACEBAR_SCORER__TAXONOMY_FILE: path.join(repoConfig, 'taxonomy.yaml'),
      ...env,
    },
  });
  const stop = new AbortController();
  let exited: Promise<number> = Promise.resolve(1);
  const urls = await new Promise<{ adminUrl: string; otlpUrl: string }>((resolve, reject) => {
    exited = runUp({
      config,
      configFile: undefined,
      signals: new EventEmitter(),
      logger: quietLogger(),
      stop: stop.signal,
      forceExit: () => undefined,
      onReady: (info) => resolve({ adminUrl: info.adminUrl, otlpUrl: info.otlp?.http ?? '' }),
    });
    exited.then((code) => reject(new Error(`tracebar up exited with ${code} before it was ready`)), reject);
  });
  return {
    config,
    ...urls,
    stop() {
      stop.abort();
      return exited;
    },
  };
}
