import { InvalidArgumentError } from './errors.js';
import type { TopicDifference, TopicSpec } from './types.js';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function validateTopicSpecs(specs: readonly TopicSpec[]): void {
  const seen = new Set<string>();
  for (const spec of specs) {
    if (!TOPIC_NAME.test(spec.name)) throw new InvalidArgumentError(`topic name ${JSON.stringify(spec.name)}: expected letters, digits, . _ -`);
    if (seen.has(spec.name)) throw new InvalidArgumentError(`topic ${spec.name} is listed twice`);
    seen.add(spec.name);
    wholeAtLeast(spec, 'partitions', spec.partitions, 1);
    wholeAtLeast(spec, 'retentionMs', spec.retentionMs, 1);
    wholeAtLeast(spec, 'maxMessageBytes', spec.maxMessageBytes, 1_024);
    wholeAtLeast(spec, 'replicationFactor', spec.replicationFactor ?? 1, 1);
  }
}

function wholeAtLeast(spec: TopicSpec, name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(`topic ${spec.name}: ${name} must be a whole number >= ${min}, got ${value}`);
  }
}

export interface ActualTopic {
  partitions: number;
  retentionMs?: number | undefined;
  maxMessageBytes?: number | undefined;
  replicationFactor?: number | undefined;
}

export function diffTopic(spec: TopicSpec, actual: ActualTopic): TopicDifference[] {
  const differences: TopicDifference[] = [];
  const compare = (setting: TopicDifference['setting'], expected: number, value: number | undefined): void => {
    if (value !== undefined && value !== expected) differences.push({ topic: spec.name, setting, expected, actual: value });
  };
  compare('partitions', spec.partitions, actual.partitions);
  compare('retentionMs', spec.retentionMs, actual.retentionMs);
  compare('maxMessageBytes', spec.maxMessageBytes, actual.maxMessageBytes);
  compare('replicationFactor', spec.replicationFactor ?? 1, actual.replicationFactor);
  return differences;
}
