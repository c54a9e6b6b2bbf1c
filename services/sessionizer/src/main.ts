// The sessionizer alone (scale-out): config from the file and TRACEBAR_* variables, the Kafka
// bus, /healthz /readyz /metrics on the admin port, a drain on SIGINT/SIGTERM. The only place
// that reads the environment or exits.
import { createKafkaBus, type Bus } from '@tracebar/bus';
import { ConfigError, loadConfig, type TracebarConfig } from '@tracebar/config';
import { buildAdminServer, createLogger, createMetricsRegistry, createSupervisor, type Component, type Logger } from '@tracebar/runtime';
import { createSessionizer } from './sessionizer.js';

function busComponent(config: TracebarConfig, logger: Logger): Component & { bus(): Bus } {
  let bus: Bus | undefined;
  return {
    name: 'bus',
    async start() {
      const { maxInFlightBytes, publishTimeoutMs } = config.bus;
      bus = createKafkaBus({ ...config.bus.kafka, clientId: `${config.bus.kafka.clientId}-sessionizer`, maxInFlightBytes, publishTimeoutMs });
      const result = await bus.ensureTopics(
        [config.topics.spans, config.topics.sessions].map((t) => ({ name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, retentionMs: t.retentionMs, maxMessageBytes: t.maxMessageBytes })),
      );
      for (const difference of result.differences) logger.warn(difference, 'existing topic differs from config');
    },
    async shutdown() {
      await bus?.close();
    },
    readiness: {
      name: 'bus',
      async check() {
        if (!bus) return { ready: false, detail: 'not started' };
        const health = await bus.health();
        return health.reason === undefined ? { ready: health.ready } : { ready: health.ready, detail: health.reason };
      },
    },
    bus() {
      if (!bus) throw new Error('the bus is not started');
      return bus;
    },
  };
}

async function main(): Promise<number> {
  let config: TracebarConfig;
  try {
    config = loadConfig({ file: process.env.TRACEBAR_CONFIG, env: process.env }).config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const logger = createLogger({ name: 'tracebar-sessionizer', level: config.log.level });
  if (config.bus.kind !== 'kafka') {
    logger.fatal('the sessionizer alone needs Kafka: set TRACEBAR_KAFKA_BROKERS (the in-process bus runs in `tracebar up`)');
    return 2;
  }
  const registry = createMetricsRegistry({ service: 'sessionizer' });
  const bus = busComponent(config, logger);
  const sessionizer = createSessionizer({ config, bus: () => bus.bus(), logger, registry });
  const readiness = () => supervisor.readiness;
  const admin = buildAdminServer({ logger, registry, readiness });
  const adminComponent: Component = {
    name: 'admin',
    async start() {
      await admin.listen({ host: config.admin.host, port: config.admin.port });
    },
    async shutdown() {
      await admin.close();
    },
  };
  const supervisor = createSupervisor([adminComponent, bus, sessionizer], logger);
  await supervisor.start();
  logger.info({ group: config.sessionizer.consumerGroup, brokers: config.bus.kafka.brokers }, 'sessionizer started');
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info({ signal, timeoutMs: config.shutdown.timeoutMs }, 'draining');
  const { timedOut } = await supervisor.shutdown(config.shutdown.timeoutMs);
  logger.flush();
  return timedOut ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`sessionizer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
