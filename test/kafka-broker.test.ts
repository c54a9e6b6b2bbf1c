// The local Apache Kafka broker that test/global-setup.ts starts through
// deploy/local/kafka.sh: a real round trip with kafkajs, and the script's idempotent start.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runKafkaScript } from './kafka-script.js';

const brokers = inject('kafkaBrokers').split(',');

function createKafka(): Kafka {
  return new Kafka({ clientId: 'tracebar-broker-test', brokers, logLevel: logLevel.NOTHING });
}

describe('local Kafka broker', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('creates a topic, produces with acks=-1, consumes it back in key order, deletes the topic', async () => {
    const kafka = createKafka();
    const topic = `tracebar.test.broker.${randomUUID()}`;
    const admin: Admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());

    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 3,
          replicationFactor: 1,
          configEntries: [
            { name: 'retention.ms', value: String(60 * 60_000) },
            { name: 'max.message.bytes', value: String(4 * 1024 * 1024) },
          ],
        },
      ],
    });
    expect(created).toBe(true);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['max.message.bytes'] }],
    });
    expect(described.resources[0]?.configEntries[0]?.configValue).toBe(String(4 * 1024 * 1024));

    const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `session-${i % 5}`, value: `span-${i}` }));
    const acks = await producer.send({ topic, acks: -1, messages: sent });
    expect(acks.every((ack) => ack.errorCode === 0)).toBe(true);

    const consumer: Consumer = kafka.consumer({ groupId: `tracebar-test-${randomUUID()}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    cleanups.push(() => consumer.disconnect());
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received: { key: string; value: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`received ${received.length} of ${sent.length}`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push({ key: String(message.key), value: String(message.value) });
            if (received.length === sent.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });

    // Every span of one session is on one partition, so each key keeps its order.
    for (const key of new Set(sent.map((message) => message.key))) {
      const inOrder = (list: { key: string; value: string }[]) => list.filter((m) => m.key === key).map((m) => m.value);
      expect(inOrder(received)).toEqual(inOrder(sent));
    }

    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it.runIf(inject('kafkaFromLocalScript'))('kafka.sh start returns quickly when the broker is running', async () => {
    const started = Date.now();
    const output = await runKafkaScript(['start']);
    expect(output).toMatch(/already running/);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(runKafkaScript(['status'])).resolves.toBeDefined();
  });
});
