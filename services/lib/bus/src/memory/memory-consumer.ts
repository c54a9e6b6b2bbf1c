import { ConsumerCore, type ConsumerSettings, type OwnedPartition } from '../consumer-core.js';
import type { BusConsumer, ConsumerCloseOptions, ConsumerStats, TopicPartition, TopicPartitionOffset } from '../types.js';
import type { GroupMember, MemoryGroup } from './memory-group.js';
import type { MemoryTopic } from './memory-topic.js';

/** A member of an in-process consumer group: reads straight from the partition logs. */
export class MemoryConsumer implements BusConsumer, GroupMember {
  readonly group: string;
  readonly topics: readonly string[];
  readonly #core: ConsumerCore;
  readonly #groupState: MemoryGroup;
  readonly #topic: (name: string) => MemoryTopic;
  readonly #unlisten: (() => void)[] = [];
  #loop: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #joined = false;
  #turn = 0;

  constructor(
    settings: ConsumerSettings,
    group: MemoryGroup,
    topic: (name: string) => MemoryTopic,
    onConsumed: (messages: number, bytes: number) => void,
  ) {
    this.group = settings.group;
    this.topics = settings.topics;
    this.#core = new ConsumerCore(settings, onConsumed);
    this.#groupState = group;
    this.#topic = topic;
  }

  async start(): Promise<void> {
    for (const name of this.topics) this.#unlisten.push(this.#topic(name).onAppend(() => this.#core.wakeup.notify()));
    this.#loop = this.#run();
    await this.#groupState.join(this, this.#core.settings.startFrom);
    this.#joined = true;
  }

  owned(): TopicPartition[] {
    return this.#core.assignment();
  }

  revoke(partitions: readonly TopicPartition[]): Promise<void> {
    return this.#core.revoke(partitions);
  }

  assign(partitions: readonly TopicPartition[]): Promise<void> {
    return this.#core.assign(partitions, (tp) => this.#groupState.committed(tp.topic, tp.partition));
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.#core.checkOwned(offsets);
    this.#core.counters.commits++;
    await this.#groupState.commit(offsets);
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.#core.pause(partitions);
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.#core.resume(partitions);
  }

  paused(): TopicPartition[] {
    return this.#core.paused();
  }

  assignment(): TopicPartition[] {
    return this.#core.assignment();
  }

  isReady(): boolean {
    return this.#joined && !this.#core.stopped;
  }

  stats(): ConsumerStats {
    return this.#core.stats();
  }

  close(options: ConsumerCloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options: ConsumerCloseOptions): Promise<void> {
    // Stop fetching at once; the group's queue may still be busy with another member's rebalance.
    this.#core.stopped = true;
    this.#core.wakeup.notify();
    await this.#loop;
    await this.#groupState.leave(this, async () => {
      await this.#core.idle();
      const delivered = this.#core.deliveredOffsets();
      if (options.commitDelivered && delivered.length > 0) await this.commit(delivered);
      await this.#core.revoke(this.#core.assignment());
    });
    for (const unlisten of this.#unlisten) unlisten();
  }

  async #run(): Promise<void> {
    const core = this.#core;
    while (!core.stopped) {
      const next = core.open ? this.#pick(Date.now()) : undefined;
      if (!next) {
        await core.wakeup.wait(core.nextRetryIn(Date.now()));
        continue;
      }
      const { records, bytes } = this.#topic(next.topic)
        .log(next.partition)
        .read(next.position, core.settings.maxBatchRecords, core.settings.maxBatchBytes);
      await core.deliver(next, records, bytes);
    }
  }

  /** Round robin over owned partitions with records, so one busy partition does not starve the rest. */
  #pick(now: number): OwnedPartition | undefined {
    const owned = [...this.#core.owned.values()];
    for (let i = 0; i < owned.length; i++) {
      const candidate = owned[(this.#turn + i) % owned.length] as OwnedPartition;
      if (!this.#core.deliverable(candidate, now)) continue;
      if (this.#topic(candidate.topic).log(candidate.partition).readableEnd <= candidate.position) continue;
      this.#turn = (this.#turn + i + 1) % owned.length;
      return candidate;
    }
    return undefined;
  }
}
