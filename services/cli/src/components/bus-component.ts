import path from 'node:path';
import { createKafkaBus, createMemoryBus, type Bus, type TopicSpec } from '@tracebar/bus';
import type { TopicRole, TracebarConfig } from '@tracebar/config';
import { Gauge, Histogram, type Component, type Logger, type Registry } from '@tracebar/runtime';

export interface BusComponent extends Component {
  /** The bus; throws before start. */
  bus(): Bus;
}

/** The topics tracebar creates; on the in-process bus with at most `bus.memory.maxPartitions` partitions. */
export function topicSpecs(config: TracebarConfig): TopicSpec[] {
  const maxPartitions = config.bus.kind === 'memory' ? config.bus.memory.maxPartitions : Infinity;
  return (Object.keys(config.topics) as TopicRole[]).map((role) => {
    const topic = config.topics[role];
    return {
      name: topic.name,
      partitions: Math.min(topic.partitions, maxPartitions),
      replicationFactor: topic.replicationFactor,
      retentionMs: topic.retentionMs,
      maxMessageBytes: topic.maxMessageBytes,
    };
  });
}

/** Where the durable in-process bus keeps its files: `bus.memory.dir`, else `<dataDir>/bus`. */
export function busDirectory(config: TracebarConfig): string {
  return config.bus.memory.dir === undefined ? path.join(config.dataDir, 'bus') : path.resolve(config.bus.memory.dir);
}

function createBus(config: TracebarConfig, onPublished: (topic: string, seconds: number) => void): Bus {
  const hooks = { onPublished: (event: { topic: string; latencyMs: number }) => onPublished(event.topic, event.latencyMs / 1_000) };
  const { maxInFlightBytes, publishTimeoutMs } = config.bus;
  if (config.bus.kind === 'memory') {
    const { durable, segmentBytes, maxPartitionBytes, maxPartitionMessages, maxPartitionDiskBytes } = config.bus.memory;
    return createMemoryBus({
      maxInFlightBytes,
      publishTimeoutMs,
      maxPartitionBytes,
      maxPartitionMessages,
      ...(durable ? { durable: { dir: busDirectory(config), segmentBytes, maxPartitionBytes: maxPartitionDiskBytes } } : {}),
      hooks,
    });
  }
  return createKafkaBus({ ...config.bus.kafka, maxInFlightBytes, publishTimeoutMs, hooks });
}

function registerMetrics(registry: Registry, current: () => Bus | undefined): Histogram<'topic'> {
  const stat = (name: string, help: string, read: (bus: Bus) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const bus = current();
        if (bus) this.set(read(bus));
      },
    });
  // Cumulative bus counters are exported as gauges of the running total, read at scrape time.
  stat('tracebar_bus_produced_messages', 'Messages the bus acknowledged as durable since start.', (bus) => bus.stats().producedMessages);
  stat('tracebar_bus_produced_bytes', 'Bytes the bus acknowledged as durable since start.', (bus) => bus.stats().producedBytes);
  stat('tracebar_bus_publish_full', 'Publish calls refused because the bus was full, since start.', (bus) => bus.stats().publishFull);
  stat('tracebar_bus_publish_errors', 'Publish calls that failed, since start.', (bus) => bus.stats().publishErrors);
  stat('tracebar_bus_in_flight_bytes', 'Bytes published and not yet acknowledged.', (bus) => bus.stats().inFlightBytes);
  stat('tracebar_bus_max_in_flight_bytes', 'The in-flight bound.', (bus) => bus.stats().maxInFlightBytes);
  stat('tracebar_bus_consumed_messages', 'Messages delivered to consumers since start.', (bus) => bus.stats().consumedMessages);
  stat('tracebar_bus_evicted_messages', 'In-process bus: records dropped from topics no group consumes, since start.', (bus) => bus.stats().evictedMessages);
  stat('tracebar_bus_read_back_messages', 'Durable in-process bus: records read back from its files after they left memory, since start.', (bus) => bus.stats().readBackMessages);
  stat('tracebar_bus_spilled_bytes', 'Durable in-process bus: bytes of retained records held on disk only.', (bus) => bus.stats().spilledBytes);
  stat('tracebar_bus_consumed_bytes', 'Bytes delivered to consumers since start.', (bus) => bus.stats().consumedBytes);
  return new Histogram({
    name: 'tracebar_bus_publish_seconds',
    help: 'From publish to durable acknowledgement, waiting for room included.',
    labelNames: ['topic'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

/** The in-process bus (embedded) or Kafka; creates tracebar's topics with their configured settings. */
export function createBusComponent(config: TracebarConfig, logger: Logger, registry: Registry): BusComponent {
  const log = logger.child({ component: 'bus' });
  let bus: Bus | undefined;
  const publishSeconds = registerMetrics(registry, () => bus);

  return {
    name: 'bus',
    async start() {
      bus = createBus(config, (topic, seconds) => publishSeconds.observe({ topic }, seconds));
      const result = await bus.ensureTopics(topicSpecs(config));
      for (const difference of result.differences) {
        log.warn(difference, 'existing topic differs from config; change it by hand or rename the topic');
      }
      const files = config.bus.kind === 'memory' && config.bus.memory.durable ? busDirectory(config) : undefined;
      log.info({ kind: bus.kind, created: result.created, files }, 'bus ready');
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
