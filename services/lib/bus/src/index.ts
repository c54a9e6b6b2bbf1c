export type {
  BatchHandler,
  Bus,
  BusBatch,
  BusConsumer,
  BusHealth,
  BusHooks,
  BusRecord,
  BusStats,
  ConsumerCloseOptions,
  ConsumerStats,
  EnsureTopicsOptions,
  EnsureTopicsResult,
  OutgoingMessage,
  PartitionsCallback,
  PublishedEvent,
  PublishOptions,
  SubscribeOptions,
  TopicDifference,
  TopicPartition,
  TopicPartitionOffset,
  TopicSpec,
} from './types.js';
export type { BusErrorCode } from './errors.js';
export {
  BusClosedError,
  BusError,
  BusFullError,
  BusUnavailableError,
  InvalidArgumentError,
  isRetryable,
  MessageTooLargeError,
  NotAssignedError,
  PayloadTooLargeError,
  UnknownTopicError,
} from './errors.js';
export { murmur2, partitionFor } from './partitioner.js';
export { messageBytes } from './message-size.js';
export { createMemoryBus } from './memory/memory-bus.js';
export type { MemoryBusOptions } from './memory/memory-bus.js';
export { createKafkaBus } from './kafka/kafka-bus.js';
export type { KafkaBusOptions } from './kafka/kafka-bus.js';
