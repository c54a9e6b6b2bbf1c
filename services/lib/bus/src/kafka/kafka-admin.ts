import { ConfigResourceTypes, type Admin } from '@platformatic/kafka';
import { UnknownTopicError } from '../errors.js';
import { brokerErrorIds, isUnknownTopic } from './kafka-errors.js';
import { diffTopic, validateTopicSpecs } from '../topic-spec.js';
import type { EnsureTopicsOptions, EnsureTopicsResult, TopicSpec } from '../types.js';

export interface TopicInfo {
  partitions: number;
  maxMessageBytes: number;
  retentionMs: number | undefined;
  replicationFactor: number;
}

/** Topic creation and description through the Kafka admin API. */
export class KafkaTopics {
  readonly #admin: Admin;

  constructor(admin: Admin) {
    this.#admin = admin;
  }

  async ensure(specs: readonly TopicSpec[], options: EnsureTopicsOptions = {}): Promise<EnsureTopicsResult> {
    validateTopicSpecs(specs);
    const result: EnsureTopicsResult = { created: [], increased: [], differences: [] };
    const existing = new Set(await this.#admin.listTopics());
    for (const spec of specs) {
      if (!existing.has(spec.name) && (await this.#create(spec))) {
        result.created.push(spec.name);
        continue;
      }
      const actual = await this.describe(spec.name);
      result.differences.push(...diffTopic(spec, actual));
      if (options.increasePartitions && actual.partitions < spec.partitions) {
        await this.#admin.createPartitions({ topics: [{ name: spec.name, count: spec.partitions }] });
        result.increased.push(spec.name);
      }
    }
    return result;
  }

  /** False when another process created it first (then it is compared like an existing one). */
  async #create(spec: TopicSpec): Promise<boolean> {
    try {
      await this.#admin.createTopics({
        topics: [spec.name],
        partitions: spec.partitions,
        replicas: spec.replicationFactor ?? 1,
        configs: [
          { name: 'retention.ms', value: String(spec.retentionMs) },
          { name: 'max.message.bytes', value: String(spec.maxMessageBytes) },
        ],
      });
      return true;
    } catch (error) {
      if (brokerErrorIds(error).has('TOPIC_ALREADY_EXISTS')) return false;
      throw error;
    }
  }

  async describe(topic: string): Promise<TopicInfo> {
    let metadata;
    try {
      metadata = await this.#admin.metadata({ topics: [topic], forceUpdate: true });
    } catch (error) {
      if (isUnknownTopic(error)) throw new UnknownTopicError(topic, { cause: error });
      throw error;
    }
    const info = metadata.topics.get(topic);
    if (!info) throw new UnknownTopicError(topic);
    const [description] = await this.#admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['retention.ms', 'max.message.bytes'] }],
    });
    const config = new Map((description?.configs ?? []).map((c) => [c.name, c.value]));
    const number = (value: string | null | undefined): number | undefined => (value == null ? undefined : Number(value));
    return {
      partitions: info.partitionsCount,
      maxMessageBytes: number(config.get('max.message.bytes')) ?? 1_048_588,
      retentionMs: number(config.get('retention.ms')),
      replicationFactor: info.partitions[0]?.replicas.length ?? 1,
    };
  }
}
