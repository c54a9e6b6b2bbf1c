import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Admin, ConfigResourceTypes } from '@platformatic/kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafkaBus, type Bus, type KafkaBusOptions } from '../src/index.js';
import { busContract } from './contract.js';
import { collect, waitFor } from './helpers.js';

// Set by test/global-setup.ts, which starts the local broker.
const brokers = (process.env.TRACEBAR_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = randomUUID().slice(0, 8);
const created: string[] = [];

const unique = (label: string): string => {
  const name = `test.bus.${label}.${run}.${randomUUID().slice(0, 6)}`;
  created.push(name);
  return name;
};

/** Short group timings so joins, leaves and rebalances take well under a second. */
const fast: Partial<KafkaBusOptions> = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 200,
  rebalanceTimeoutMs: 10_000,
  fetchMaxWaitMs: 100,
  retryDelayMs: 100,
  requestTimeoutMs: 10_000,
};

const createBus = (options: Partial<KafkaBusOptions> = {}): Bus => createKafkaBus({ brokers, clientId: `test-${run}`, ...fast, ...options });

afterAll(async () => {
  // Topics share the broker with other test runs; drop ours.
  const admin = new Admin({ clientId: `cleanup-${run}`, bootstrapBrokers: brokers });
  const existing = new Set(await admin.listTopics());
  const ours = created.filter((name) => existing.has(name));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours }).catch(() => undefined);
  await admin.close();
});

busContract({ kind: 'kafka', createBus, unique, quietMs: 800 });

describe('kafka bus', () => {
  it('creates topics with the configured partitions, retention and max message size', async () => {
    const bus = createBus();
    const admin = new Admin({ clientId: `describe-${run}`, bootstrapBrokers: brokers });
    try {
      const name = unique('configs');
      await bus.ensureTopics([{ name, partitions: 5, retentionMs: 123_456_789, maxMessageBytes: 200_000 }]);
      const metadata = await admin.metadata({ topics: [name] });
      expect(metadata.topics.get(name)?.partitionsCount).toBe(5);
      const [description] = await admin.describeConfigs({
        resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name, configurationKeys: ['retention.ms', 'max.message.bytes'] }],
      });
      const configs = Object.fromEntries((description?.configs ?? []).map((c) => [c.name, c.value]));
      expect(configs).toEqual({ 'retention.ms': '123456789', 'max.message.bytes': '200000' });
    } finally {
      await admin.close();
      await bus.close();
    }
  });

  it('splits one publish across produce requests so no partition batch exceeds max.message.bytes', async () => {
    const bus = createBus();
    try {
      const name = unique('split');
      await bus.ensureTopics([{ name, partitions: 1, retentionMs: 3_600_000, maxMessageBytes: 16 * 1024 }]);
      // 200 KiB for one partition: sent as one batch, the broker would refuse it whole.
      const messages = Array.from({ length: 200 }, (_, i) => ({ key: 'one-session', value: Buffer.alloc(1024, i % 256) }));
      await bus.publish(name, messages);
      const seen = await collect(bus, { group: unique('g-split'), topics: [name] });
      await waitFor('all 200', () => seen.records.length >= 200);
      expect(seen.records.map((r) => r.value[0])).toEqual(messages.map((m) => m.value[0]));
    } finally {
      await bus.close();
    }
  });

  it('concurrent publishes land exactly once each (the producer sends one request at a time)', async () => {
    const bus = createBus();
    try {
      const name = unique('concurrent');
      await bus.ensureTopics([{ name, partitions: 3, retentionMs: 3_600_000, maxMessageBytes: 1_048_576 }]);
      await Promise.all(
        Array.from({ length: 50 }, (_, call) =>
          bus.publish(name, Array.from({ length: 4 }, (_, i) => ({ key: `k${(call * 4 + i) % 5}`, value: Buffer.from(`${call}:${i}`) }))),
        ),
      );
      const seen = await collect(bus, { group: unique('g-concurrent'), topics: [name] });
      await waitFor('all 200', () => seen.records.length >= 200);
      const values = seen.records.map((r) => r.value.toString());
      expect(new Set(values).size).toBe(200);
      expect(values).toHaveLength(200);
    } finally {
      await bus.close();
    }
  });

  it('a consumer killed (SIGKILL) before committing: its group reads the same messages again', async () => {
    const bus = createBus();
    try {
      const name = unique('killed');
      const group = unique('g-killed');
      await bus.ensureTopics([{ name, partitions: 2, retentionMs: 3_600_000, maxMessageBytes: 1_048_576 }]);
      const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 4}`, value: Buffer.from(`m${i}`) }));
      await bus.publish(name, sent);

      const fixture = fileURLToPath(new URL('./fixtures/consume-until-killed.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, brokers.join(','), name, group], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (/consumed 30\n/.test(out)) resolve();
        });
        child.on('exit', () => reject(new Error(`consumer exited early:\n${out}`)));
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      // The dead member holds its partitions until its session times out (6 s here).
      const seen = await collect(bus, { group, topics: [name] });
      await waitFor('redelivery', () => seen.records.length >= 30, 30_000);
      expect(seen.records.map((r) => r.value.toString()).sort()).toEqual(sent.map((m) => m.value.toString()).sort());
    } finally {
      await bus.close();
    }
  });

  it('reports an unreachable broker as not ready, and publish there fails retryably', async () => {
    const bus = createKafkaBus({ brokers: ['127.0.0.1:1'], connectTimeoutMs: 300, retries: 0, requestTimeoutMs: 500 });
    try {
      const health = await bus.health();
      expect(health.ready).toBe(false);
      const error = await bus.publish('any', [{ key: 'k', value: Buffer.from('v') }]).catch((e: unknown) => e);
      expect(error).toMatchObject({ retryable: true });
    } finally {
      await bus.close();
    }
  });
});
