import type { EventEmitter } from 'node:events';
import type { TracebarConfig } from '@tracebar/config';
import { createIngest, type IngestAddresses } from '@tracebar/ingest';
import { createScorer } from '@tracebar/scorer';
import { createSessionizer } from '@tracebar/sessionizer';
import { createSink } from '@tracebar/sink';
import { createLogger, createMetricsRegistry, createSupervisor, type Logger, type ReadinessCheck } from '@tracebar/runtime';
import { createAdminComponent, labelPublisher } from '../components/admin-component.js';
import { createBusComponent } from '../components/bus-component.js';
import { createStoreComponent } from '../components/store-component.js';

export interface UpOptions {
  config: TracebarConfig;
  configFile: string | undefined;
  /** Where SIGINT/SIGTERM arrive (the process, in main). */
  signals: EventEmitter;
  logger?: Logger;
  /** Resolves the returned promise's wait early, as a signal would (tests). */
  stop?: AbortSignal;
  onReady?: (info: { adminUrl: string; otlp: IngestAddresses }) => void;
  /** Exits the process at once (a second signal during the drain). */
  forceExit: (code: number) => void;
}

/** `tracebar up`: every available component in one process, until SIGINT/SIGTERM, then a drain. */
export async function runUp(options: UpOptions): Promise<number> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ name: 'tracebar', level: config.log.level });
  const registry = createMetricsRegistry();
  const store = createStoreComponent(config, logger);
  const bus = createBusComponent(config, logger, registry);
  let started = false;
  const startup: ReadinessCheck = { name: 'startup', check: async () => ({ ready: started, ...(started ? {} : { detail: 'starting' }) }) };
  const admin = createAdminComponent({
    config,
    logger,
    registry,
    readiness: () => [startup, ...supervisor.readiness],
    sql: (query, params) => store.sql(query, params),
    labels: labelPublisher(config, () => bus.bus()),
  });
  // Consumers subscribe before any producer starts (the in-process bus keeps records only for
  // groups that exist); receivers come last, so they stop first and the pipeline drains behind them.
  const sink = createSink({ config, bus: () => bus.bus(), store: () => store.store(), logger, registry });
  const scorer = createScorer({ config, bus: () => bus.bus(), store: () => store.store(), logger, registry });
  const sessionizer = createSessionizer({ config, bus: () => bus.bus(), logger, registry });
  const ingest = createIngest({ config, bus: () => bus.bus(), logger, registry });
  const supervisor = createSupervisor([admin, store, bus, sink, scorer, sessionizer, ingest], logger);

  let firstSignalAt = 0;
  let requestStop: (reason: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => {
    requestStop = resolve;
  });
  const onSignal = (signal: string) => {
    if (firstSignalAt === 0) {
      firstSignalAt = Date.now();
      requestStop(signal);
      return;
    }
    // Ctrl+C reaches both npx and this process, and npx forwards it: one press, two signals.
    if (Date.now() - firstSignalAt < 1_000) return;
    logger.warn({ signal }, 'second signal: exiting without draining');
    logger.flush();
    options.forceExit(130);
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  options.signals.on('SIGINT', onSigint);
  options.signals.on('SIGTERM', onSigterm);
  options.stop?.addEventListener('abort', () => requestStop('stop'), { once: true });

  logger.info({ config: options.configFile ?? '(defaults)', dataDir: config.dataDir, bus: config.bus.kind, clickhouse: config.clickhouse.url ?? 'embedded' }, 'tracebar starting');
  try {
    await supervisor.start();
  } catch (error) {
    logger.fatal({ err: error }, 'tracebar failed to start');
    options.signals.off('SIGINT', onSigint);
    options.signals.off('SIGTERM', onSigterm);
    return 1;
  }
  started = true;
  logger.info({ admin: admin.url(), otlp: ingest.addresses() }, 'tracebar ready');
  options.onReady?.({ adminUrl: admin.url(), otlp: ingest.addresses() });

  const reason = await stopRequested;
  started = false;
  logger.info({ reason, timeoutMs: config.shutdown.timeoutMs }, 'shutting down: draining in-flight work');
  const { timedOut } = await supervisor.shutdown(config.shutdown.timeoutMs);
  options.signals.off('SIGINT', onSigint);
  options.signals.off('SIGTERM', onSigterm);
  logger.info({ timedOut }, 'tracebar stopped');
  logger.flush();
  return timedOut ? 1 : 0;
}
