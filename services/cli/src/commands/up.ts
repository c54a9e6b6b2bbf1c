import type { EventEmitter } from 'node:events';
import type { TracebarConfig } from '@tracebar/config';
import { createIngest, type IngestAddresses } from '@tracebar/ingest';
import { createScorer } from '@tracebar/scorer';
import { createSessionizer } from '@tracebar/sessionizer';
import { createSink } from '@tracebar/sink';
import { createLogger, createMetricsRegistry, createSupervisor, type Component, type Logger, type ReadinessCheck, type SqlParams } from '@tracebar/runtime';
import { createAdminComponent, labelPublisher } from '../components/admin-component.js';
import { createBusComponent } from '../components/bus-component.js';
import { createStoreComponent } from '../components/store-component.js';
import { topicTail } from './tail-subscription.js';
import { checkRunnable, needsStore, PIPELINE_COMPONENTS, type PipelineComponent } from './components.js';

export interface UpOptions {
  config: TracebarConfig;
  configFile: string | undefined;
  /** Where SIGINT/SIGTERM arrive (the process, in main). */
  signals: EventEmitter;
  logger?: Logger;
  /**
   * The pipeline components this process runs (default: all four, embedded `tracebar up`). Part of
   * the pipeline needs a bus other processes reach (Kafka): refused on the in-process bus.
   */
  components?: readonly PipelineComponent[];
  /** How the run was asked for, for logs and errors: `up`, `sessionizer`, ... (default `up`). */
  command?: string;
  /** Resolves the returned promise's wait early, as a signal would (tests). */
  stop?: AbortSignal;
  /** `otlp` only when ingest runs in this process. */
  onReady?: (info: { adminUrl: string; otlp?: IngestAddresses; components: readonly PipelineComponent[] }) => void;
  /** Exits the process at once (a second signal during the drain). */
  forceExit: (code: number) => void;
}

/**
 * `tracebar up` (every component in one process) or one service of a scaled-out pipeline
 * (`tracebar sessionizer`, `up --components ...`): admin + the bus + the store where a component
 * needs it + the chosen components, until SIGINT/SIGTERM, then a drain.
 * Throws UsageError when part of the pipeline is asked for on the in-process bus.
 */
export async function runUp(options: UpOptions): Promise<number> {
  const { config } = options;
  const command = options.command ?? 'up';
  const components = PIPELINE_COMPONENTS.filter((component) => (options.components ?? PIPELINE_COMPONENTS).includes(component));
  checkRunnable(config, components, command);
  const runs = (component: PipelineComponent) => components.includes(component);
  const logger = options.logger ?? createLogger({ name: 'tracebar', level: config.log.level });
  const registry = createMetricsRegistry();
  const store = needsStore(components) ? createStoreComponent(config, logger) : undefined;
  const bus = createBusComponent(config, logger, registry);
  let started = false;
  const startup: ReadinessCheck = { name: 'startup', check: async () => ({ ready: started, ...(started ? {} : { detail: 'starting' }) }) };
  const admin = createAdminComponent({
    config,
    logger,
    registry,
    readiness: () => [startup, ...supervisor.readiness],
    ...(store ? { sql: (query: string, params: SqlParams) => store.sql(query, params) } : {}),
    labels: labelPublisher(config, () => bus.bus()),
    tail: topicTail(config, () => bus.bus()),
  });
  // Only the chosen components are built: each registers its metrics and consumer group.
  const storeGetter = store ? () => store.store() : undefined;
  const sink = runs('sink') && storeGetter ? createSink({ config, bus: () => bus.bus(), store: storeGetter, logger, registry }) : undefined;
  const scorer = runs('scorer') ? createScorer({ config, bus: () => bus.bus(), store: storeGetter, logger, registry }) : undefined;
  const sessionizer = runs('sessionizer') ? createSessionizer({ config, bus: () => bus.bus(), logger, registry }) : undefined;
  const ingest = runs('ingest') ? createIngest({ config, bus: () => bus.bus(), logger, registry }) : undefined;
  // Start order as in PIPELINE_COMPONENTS; the supervisor stops in reverse.
  const parts: (Component | undefined)[] = [admin, store, bus, sink, scorer, sessionizer, ingest];
  const supervisor = createSupervisor(parts.filter((part): part is Component => part !== undefined), logger);

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

  logger.info(
    { command, components, config: options.configFile ?? '(defaults)', dataDir: config.dataDir, bus: config.bus.kind, clickhouse: store ? (config.clickhouse.url ?? 'embedded') : 'none' },
    'tracebar starting',
  );
  try {
    await supervisor.start();
  } catch (error) {
    logger.fatal({ err: error }, 'tracebar failed to start');
    options.signals.off('SIGINT', onSigint);
    options.signals.off('SIGTERM', onSigterm);
    return 1;
  }
  started = true;
  const otlp = ingest?.addresses();
  logger.info({ components, admin: admin.url(), ...(otlp ? { otlp } : {}) }, 'tracebar ready');
  options.onReady?.({ adminUrl: admin.url(), ...(otlp ? { otlp } : {}), components });

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
