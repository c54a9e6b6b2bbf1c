/** The shape both bus implementations (in-process and Kafka) share. */

/** One message to publish. The key decides the partition (Kafka's murmur2, see partitionFor). */
export interface OutgoingMessage {
  key: Buffer | string;
  value: Buffer;
  headers?: Readonly<Record<string, Buffer | string>>;
}

export interface PublishOptions {
  /** Aborting rejects a publish that is still waiting for room with BusFullError. */
  signal?: AbortSignal;
  /**
   * How long publish may wait for room and for the acknowledgement; overrides the bus's
   * publishTimeoutMs. 0 fails at once with BusFullError when there is no room.
   */
  timeoutMs?: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** The next offset to read, as in Kafka: committing n means records < n are done. */
  offset: number;
}

/** One consumed message. Offsets are numbers: exact up to 2^53, far beyond any partition's life. */
export interface BusRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer;
  value: Buffer;
  headers: Readonly<Record<string, Buffer>>;
  /** Producer (or append) time, ms since the epoch. */
  timestamp: number;
}

/** Records of one partition, in offset order. */
export interface BusBatch {
  topic: string;
  partition: number;
  records: readonly BusRecord[];
  /** Offset after the last record: commit this once the whole batch is done. */
  nextOffset: number;
}

export type BatchHandler = (batch: BusBatch) => Promise<void>;

export type PartitionsCallback = (partitions: readonly TopicPartition[]) => void | Promise<void>;

export interface SubscribeOptions {
  group: string;
  topics: readonly string[];
  /**
   * Called with one partition's batch at a time; the next batch waits for it. A throw does not
   * advance the partition: the same records come again after retryBackoffMs.
   */
  handler: BatchHandler;
  /** Partitions this member now owns; their records start at the group's committed offset. */
  onAssigned?: PartitionsCallback;
  /**
   * Partitions this member has lost (rebalance or close), after its in-flight handler finished.
   * Drop their state here. Commits for them are refused from now on (NotAssignedError): commit
   * before close, or regularly. See the README for the Kafka timing.
   */
  onRevoked?: PartitionsCallback;
  /** Where a partition without a committed offset starts. Default 'earliest'. */
  startFrom?: 'earliest' | 'latest';
  /**
   * A reader that must leave nothing behind (`tracebar tail`): in-process, the group and its
   * offsets are forgotten when its last member leaves, so it never holds a topic's records back
   * afterwards. On Kafka a group that never commits stores nothing; commits are kept as usual.
   */
  ephemeral?: boolean;
  /** Upper bounds of one batch. Defaults 500 records, 1 MiB (a single larger record still comes alone). */
  maxBatchRecords?: number;
  maxBatchBytes?: number;
  /** Default 1000 ms. */
  retryBackoffMs?: number;
  /** Handler and fetch errors, for logging; counting is in stats(). */
  onError?: (error: unknown) => void;
}

export interface ConsumerCloseOptions {
  /** Commit the end of every batch whose handler completed before leaving. Default false. */
  commitDelivered?: boolean;
}

export interface ConsumerStats {
  consumedMessages: number;
  consumedBytes: number;
  batches: number;
  handlerErrors: number;
  commits: number;
  rebalances: number;
  /** Records fetched but not yet handed to the handler (bounded by one fetch). */
  bufferedBytes: number;
}

export interface BusConsumer {
  readonly group: string;
  /**
   * Store offsets for partitions this member owns. Rejects with NotAssignedError for a
   * partition it does not own (a late commit after a rebalance must not move another member's
   * position).
   */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Stop delivering these partitions; records already fetched for them are dropped, not buffered. */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  paused(): TopicPartition[];
  assignment(): TopicPartition[];
  /** Member of its group and delivering. */
  isReady(): boolean;
  stats(): ConsumerStats;
  /** Stops fetching, awaits the in-flight handler, calls onRevoked, leaves. Safe to call twice. */
  close(options?: ConsumerCloseOptions): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Kafka only; the in-process bus has one copy. Default 1. */
  replicationFactor?: number;
  retentionMs: number;
  maxMessageBytes: number;
}

export interface TopicDifference {
  topic: string;
  setting: 'partitions' | 'retentionMs' | 'maxMessageBytes' | 'replicationFactor';
  expected: number;
  actual: number;
}

export interface EnsureTopicsOptions {
  /**
   * Add partitions to an existing topic that has fewer than its spec. Off by default: more
   * partitions move keys to other partitions, so a session in flight would be split.
   */
  increasePartitions?: boolean;
}

export interface EnsureTopicsResult {
  created: string[];
  /** Existing topics whose partitions were raised (only with increasePartitions). */
  increased: string[];
  /** Existing topics that do not match their spec; reported, not changed. */
  differences: TopicDifference[];
}

export interface BusStats {
  producedMessages: number;
  producedBytes: number;
  /** Publish calls refused or timed out because the bus was full. */
  publishFull: number;
  publishErrors: number;
  inFlightBytes: number;
  maxInFlightBytes: number;
  consumedMessages: number;
  consumedBytes: number;
  /** In-process bus only: oldest records dropped from full topics no group reads. */
  evictedMessages: number;
  /** Durable in-process bus only: records read back from the files after they left memory. */
  readBackMessages: number;
  /** Durable in-process bus only: bytes of retained records that are on disk only. */
  spilledBytes: number;
}

export interface PublishedEvent {
  topic: string;
  messages: number;
  bytes: number;
  /** From the call to the durable acknowledgement, waiting for room included. */
  latencyMs: number;
}

/** Callbacks the caller turns into metrics (the runtime owns prom-client). */
export interface BusHooks {
  onPublished?: (event: PublishedEvent) => void;
}

export interface BusHealth {
  ready: boolean;
  reason?: string;
}

export interface Bus {
  readonly kind: 'memory' | 'kafka';
  /** Creates missing topics; reports how existing ones differ. */
  ensureTopics(specs: readonly TopicSpec[], options?: EnsureTopicsOptions): Promise<EnsureTopicsResult>;
  /**
   * Resolves once the bus durably holds every message (Kafka: acks=all, idempotent producer).
   * Rejects with BusFullError (retryable) when in-flight bytes stay at the bound past the
   * deadline, MessageTooLargeError / UnknownTopicError (permanent, nothing published), or
   * BusUnavailableError (retryable; some messages may have been written, so a retry can
   * duplicate them: at-least-once).
   */
  publish(topic: string, messages: readonly OutgoingMessage[], options?: PublishOptions): Promise<void>;
  /** Joins the group; resolves once this member has its first assignment. */
  subscribe(options: SubscribeOptions): Promise<BusConsumer>;
  /** Number of partitions of a topic (for partitionFor), UnknownTopicError if missing. */
  partitions(topic: string): Promise<number>;
  health(): Promise<BusHealth>;
  stats(): BusStats;
  /** Closes consumers (as consumer.close()), waits for in-flight publishes, refuses new ones. Safe twice. */
  close(): Promise<void>;
}
