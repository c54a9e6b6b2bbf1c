// The sink as its own process (scale-out): Kafka in, a ClickHouse server (or chDB) out, metrics
// and readiness on the admin endpoint. The only file here that reads the environment, handles
// signals and exits. `tracebar up` assembles the same component in one process instead.
import { createKafkaBus } from '@tracebar/bus';
import { createClickHouse, defaultMigrationsDir, runMigrations } from '@tracebar/clickhouse';
import { loadConfig } from '@tracebar/config';
import { buildAdminServer, createLogger, createMetricsRegistry } from '@tracebar/runtime';
import { join } from 'node:path';
import { createSink } from './sink.js';

const { config, file } = loadConfig({ env: process.env });
const logger = createLogger({ name: 'tracebar-sink', level: config.log.level });
if (config.bus.kind !== 'kafka') {
  logger.fatal('the sink runs alone only against Kafka (set TRACEBAR_KAFKA_BROKERS); `tracebar up` runs it embedded');
  process.exit(2);
}

const registry = createMetricsRegistry({ service: 'sink' });
const { url, username, password, database, requestTimeoutMs } = config.clickhouse;
const store = await createClickHouse({ url, username, password, database, requestTimeoutMs, dataPath: join(config.dataDir, 'chdb'), application: 'tracebar-sink' });
await runMigrations(store, { dir: defaultMigrationsDir, logger: logger.child({ component: 'migrations' }) });
const bus = createKafkaBus({ ...config.bus.kafka, clientId: `${config.bus.kafka.clientId}-sink`, maxInFlightBytes: config.bus.maxInFlightBytes, publishTimeoutMs: config.bus.publishTimeoutMs });
// Topics are created if missing (an existing one that differs from the config is only reported).
const ensured = await bus.ensureTopics(Object.values(config.topics).map((t) => ({ name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, retentionMs: t.retentionMs, maxMessageBytes: t.maxMessageBytes })));
for (const difference of ensured.differences) logger.warn(difference, 'existing topic differs from config');
const sink = createSink({ config, bus, store, logger, registry });
const admin = buildAdminServer({ logger, registry, readiness: () => (sink.readiness ? [sink.readiness] : []) });

await sink.start();
await admin.listen({ host: config.admin.host, port: config.admin.port });
logger.info({ config: file ?? '(defaults)', admin: `${config.admin.host}:${config.admin.port}`, clickhouse: url ?? 'embedded' }, 'sink ready');

let stopping = false;
const stop = async (signal: string): Promise<void> => {
  if (stopping) {
    logger.warn({ signal }, 'second signal: exiting without draining');
    process.exit(130);
  }
  stopping = true;
  logger.info({ signal, timeoutMs: config.shutdown.timeoutMs }, 'shutting down');
  const deadline = AbortSignal.timeout(config.shutdown.timeoutMs);
  try {
    await sink.shutdown(deadline);
    await bus.close();
    await store.close();
    await admin.close();
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown did not complete');
    process.exit(1);
  }
};
process.on('SIGINT', (s) => void stop(s));
process.on('SIGTERM', (s) => void stop(s));
