import type { TopicPartition, TopicPartitionOffset } from '../types.js';
import type { MemoryTopic, OffsetFloor } from './memory-topic.js';

/** What the group needs from a member to move partitions to and from it. */
export interface GroupMember {
  readonly topics: readonly string[];
  owned(): TopicPartition[];
  /** Stop delivering `partitions`, wait for the in-flight handler, call onRevoked, forget them. */
  revoke(partitions: readonly TopicPartition[]): Promise<void>;
  /** Start delivering `partitions` from the group's committed offsets. */
  assign(partitions: readonly TopicPartition[]): Promise<void>;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * A consumer group of the in-process bus: committed offsets (kept for the bus's life, as Kafka
 * keeps a group's offsets) and the members the partitions are spread over. Joins, leaves and
 * rebalances run one at a time.
 */
export class MemoryGroup implements OffsetFloor {
  readonly name: string;
  readonly #committed = new Map<string, number>();
  readonly #members: GroupMember[] = [];
  readonly #topic: (name: string) => MemoryTopic;
  #chain: Promise<void> = Promise.resolve();

  readonly #onEmpty: (() => void) | undefined;
  readonly #persist: () => Promise<void>;

  /**
   * `onEmpty` makes the group ephemeral: called, with the group untracked, when its last member
   * left. `persist` (the durable bus) stores the offsets of every lasting group; commit and join
   * resolve after it.
   */
  constructor(name: string, topic: (name: string) => MemoryTopic, onEmpty?: () => void, persist?: () => Promise<void>) {
    this.name = name;
    this.#topic = topic;
    this.#onEmpty = onEmpty;
    this.#persist = persist ?? (() => Promise.resolve());
  }

  get ephemeral(): boolean {
    return this.#onEmpty !== undefined;
  }

  /** Committed offsets, what the durable bus writes to disk. */
  offsets(): TopicPartitionOffset[] {
    return [...this.#committed].map(([key, offset]) => ({ ...fromKey(key), offset }));
  }

  /** Start-up of the durable bus: offsets read back from disk; the group holds the topic's records from them on. */
  restore(topic: MemoryTopic, offsets: readonly TopicPartitionOffset[]): void {
    for (const { partition, offset } of offsets) this.#committed.set(partitionKey(topic.spec.name, partition), offset);
    topic.groups.add(this);
  }

  floor(topic: string, partition: number): number | undefined {
    return this.#committed.get(partitionKey(topic, partition));
  }

  committed(topic: string, partition: number): number {
    return this.floor(topic, partition) ?? this.#topic(topic).log(partition).baseOffset;
  }

  join(member: GroupMember, startFrom: 'earliest' | 'latest'): Promise<void> {
    return this.#serialize(async () => {
      for (const name of member.topics) this.#track(this.#topic(name), startFrom);
      // Where a new group starts must survive a crash, or the files could be deleted under it.
      await this.#persist();
      this.#members.push(member);
      await this.#rebalance();
    });
  }

  /** Runs `shutdown` (which revokes the member's partitions itself), then hands them to the others. */
  leave(member: GroupMember, shutdown: () => Promise<void>): Promise<void> {
    return this.#serialize(async () => {
      await shutdown();
      const at = this.#members.indexOf(member);
      if (at >= 0) this.#members.splice(at, 1);
      await this.#rebalance();
      if (this.#onEmpty && this.#members.length === 0) this.#untrack();
    });
  }

  /** An ephemeral group gone: its offsets no longer hold any record back. */
  #untrack(): void {
    const names = new Set([...this.#committed.keys()].map((key) => fromKey(key).topic));
    this.#committed.clear();
    for (const name of names) {
      const topic = this.#topic(name);
      topic.groups.delete(this);
      topic.release();
    }
    this.#onEmpty?.();
  }

  commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const touched = new Set<string>();
    for (const { topic, partition, offset } of offsets) {
      this.#committed.set(partitionKey(topic, partition), offset);
      touched.add(topic);
    }
    for (const topic of touched) this.#topic(topic).release();
    return this.#persist();
  }

  /** The group's interest holds a topic's records from now on; with 'latest' it starts at the end. */
  #track(topic: MemoryTopic, startFrom: 'earliest' | 'latest'): void {
    if (topic.groups.has(this)) return;
    topic.groups.add(this);
    for (const log of topic.logs) {
      const key = partitionKey(topic.spec.name, log.partition);
      if (!this.#committed.has(key)) this.#committed.set(key, startFrom === 'latest' ? log.nextOffset : log.baseOffset);
    }
  }

  #serialize(step: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(step);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #rebalance(): Promise<void> {
    const target = this.#target();
    for (const member of this.#members) {
      const wanted = target.get(member) ?? new Set<string>();
      const lost = member.owned().filter((tp) => !wanted.has(partitionKey(tp.topic, tp.partition)));
      if (lost.length > 0) await member.revoke(lost);
    }
    for (const member of this.#members) {
      const owned = new Set(member.owned().map((tp) => partitionKey(tp.topic, tp.partition)));
      const gained: TopicPartition[] = [];
      for (const key of target.get(member) ?? []) {
        if (!owned.has(key)) gained.push(fromKey(key));
      }
      if (gained.length > 0) await member.assign(gained);
    }
  }

  /** Partition p of a topic goes to the (p mod n)-th member subscribed to it, in join order. */
  #target(): Map<GroupMember, Set<string>> {
    const target = new Map<GroupMember, Set<string>>(this.#members.map((m) => [m, new Set<string>()]));
    const topics = [...new Set(this.#members.flatMap((m) => m.topics))].sort();
    for (const name of topics) {
      const readers = this.#members.filter((m) => m.topics.includes(name));
      const partitions = this.#topic(name).logs.length;
      for (let p = 0; p < partitions; p++) target.get(readers[p % readers.length] as GroupMember)?.add(partitionKey(name, p));
    }
    return target;
  }
}

function fromKey(key: string): TopicPartition {
  const at = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}
