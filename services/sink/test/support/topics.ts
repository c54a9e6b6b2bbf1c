import type { TopicSpec } from '@tracebar/bus';
import type { TracebarConfig } from '@tracebar/config';

/** The topic specs `tracebar up` creates, from a config. */
export function topicSpecs(config: TracebarConfig): TopicSpec[] {
  return Object.values(config.topics).map((t) => ({ name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, retentionMs: t.retentionMs, maxMessageBytes: t.maxMessageBytes }));
}
