import { randomUUID } from 'node:crypto';
import type { Bus, BusConsumer } from '@tracebar/bus';
import type { TracebarConfig } from '@tracebar/config';
import type { TailTopic, TopicTail } from '@tracebar/runtime';

/** The configured topic name behind `tracebar tail review|alerts`. */
export function tailTopicName(config: TracebarConfig, topic: TailTopic): string {
  return topic === 'review' ? config.topics.review.name : config.topics.alerts.name;
}

/**
 * Reads a topic without disturbing anyone: a group of its own (`tracebar-tail-<uuid>`), ephemeral
 * (the in-process bus forgets it on close, so it never holds records back). On the in-process bus
 * each batch is committed at once, so a tail never slows the pipeline; on Kafka nothing is
 * committed, so the throwaway group leaves no offsets behind.
 */
export function topicTail(config: TracebarConfig, bus: () => Bus): TopicTail {
  return async (topic, options) => {
    const target = bus();
    // The first batch can come before subscribe resolves; a later commit covers it (offsets are cumulative).
    let consumer: BusConsumer | undefined = undefined;
    consumer = await target.subscribe({
      group: `tracebar-tail-${randomUUID()}`,
      topics: [tailTopicName(config, topic)],
      ephemeral: true,
      startFrom: options.fromBeginning ? 'earliest' : 'latest',
      handler: async (batch) => {
        for (const record of batch.records) options.onLine(record.value.toString('utf8').trimEnd());
        if (target.kind === 'memory' && consumer) await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: batch.nextOffset }]);
      },
    });
    const subscribed = consumer;
    return () => subscribed.close();
  };
}
