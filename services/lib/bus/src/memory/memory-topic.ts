import { BusFullError } from '../errors.js';
import type { TopicSpec } from '../types.js';
import { PartitionLog } from './partition-log.js';

export interface PartitionLimits {
  /** Bound of a partition's records in memory (and, memory-only, of all it retains). */
  maxPartitionBytes: number;
  maxPartitionMessages: number;
  /** Durable bus: bound of a partition's retained records, most of them on disk only. */
  maxPartitionDiskBytes?: number | undefined;
}

/** What a consumer group tells a topic: the offset below which it needs nothing more. */
export interface OffsetFloor {
  floor(topic: string, partition: number): number | undefined;
}

/** Messages of one publish call bound for one partition. */
export interface Portion {
  count: number;
  bytes: number;
}

interface RoomWaiter {
  portions: Map<number, Portion>;
  admit: () => void;
  fail: (error: Error) => void;
}

export interface AdmitWait {
  deadline: number;
  signal?: AbortSignal | undefined;
  retryAfterMs: number;
}

/**
 * A topic of the in-process bus: its partition logs, the groups that read it, and publishers
 * waiting for room. Records are released once every group has committed past them; a topic
 * nobody has subscribed to keeps only its newest records (like Kafka's size retention).
 */
export class MemoryTopic {
  readonly spec: TopicSpec;
  readonly logs: PartitionLog[] = [];
  readonly groups = new Set<OffsetFloor>();
  readonly #limits: PartitionLimits;
  readonly #waiters: RoomWaiter[] = [];
  readonly #listeners = new Set<() => void>();
  evicted = 0;

  constructor(spec: TopicSpec, limits: PartitionLimits) {
    this.spec = spec;
    this.#limits = limits;
    this.addPartitions(spec.partitions);
  }

  addPartitions(total: number): void {
    while (this.logs.length < total) this.logs.push(new PartitionLog(this.spec.name, this.logs.length));
  }

  log(partition: number): PartitionLog {
    const log = this.logs[partition];
    if (!log) throw new RangeError(`topic ${this.spec.name} has no partition ${partition}`);
    return log;
  }

  /** A portion that can never fit, however much is released. */
  exceedsCapacity(portion: Portion): boolean {
    return portion.count > this.#limits.maxPartitionMessages || portion.bytes > this.#limits.maxPartitionBytes;
  }

  /** Records on disk became readable: those were all a publisher may have waited for to spill. */
  readableGrew(): void {
    if (this.#waiters.length > 0) this.#admitWaiters();
  }

  /**
   * Runs `write` as soon as every portion fits, first come first served. `write` runs
   * synchronously with the room check, so two admitted publishers cannot both take the same room.
   */
  admit(portions: Map<number, Portion>, wait: AdmitWait, write: () => void): Promise<void> {
    if (this.#waiters.length === 0 && this.#makeRoom(portions)) {
      write();
      return Promise.resolve();
    }
    const full = (why: string): BusFullError =>
      new BusFullError(`topic ${this.spec.name} is full (consumers have not committed); ${why}`, wait.retryAfterMs);
    if (wait.signal?.aborted) return Promise.reject(full('the caller aborted'));
    const remaining = wait.deadline - Date.now();
    if (remaining <= 0) return Promise.reject(full('no room before the deadline'));
    return new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        wait.signal?.removeEventListener('abort', onAbort);
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
      };
      const waiter: RoomWaiter = {
        portions,
        admit: () => {
          settle();
          try {
            write();
            resolve();
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
        fail: (error) => {
          settle();
          reject(error);
          this.#admitWaiters();
        },
      };
      const onAbort = (): void => waiter.fail(full('the caller aborted'));
      const timer = setTimeout(() => waiter.fail(full(`no room within the deadline`)), remaining);
      wait.signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  notifyAppend(): void {
    for (const listener of this.#listeners) listener();
  }

  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Frees what every group has committed past, then lets waiting publishers in. */
  release(): void {
    if (this.groups.size === 0) return;
    for (const log of this.logs) {
      let floor = Infinity;
      for (const group of this.groups) floor = Math.min(floor, group.floor(this.spec.name, log.partition) ?? log.baseOffset);
      if (floor > log.baseOffset) log.releaseBelow(floor);
    }
    this.#admitWaiters();
  }

  failWaiters(error: Error): void {
    for (const waiter of [...this.#waiters]) waiter.fail(error);
  }

  #admitWaiters(): void {
    for (let head = this.#waiters[0]; head && this.#makeRoom(head.portions); head = this.#waiters[0]) head.admit();
  }

  #makeRoom(portions: Map<number, Portion>): boolean {
    if (this.groups.size === 0) {
      for (const [partition, portion] of portions) this.#evictFor(this.log(partition), portion);
      return true;
    }
    const disk = this.#limits.maxPartitionDiskBytes;
    for (const [partition, portion] of portions) {
      const log = this.log(partition);
      if (disk !== undefined) {
        // Durable: memory holds the newest records; older ones a group still needs stay on disk.
        if (log.retainedBytes + portion.bytes > disk) return false;
        if (log.count + portion.count > this.#limits.maxPartitionMessages || log.bytes + portion.bytes > this.#limits.maxPartitionBytes) {
          // A quarter of room at once, so that spilling is not a per-publish chore.
          const { maxPartitionBytes, maxPartitionMessages } = this.#limits;
          log.spill(Math.min(maxPartitionBytes - portion.bytes, (maxPartitionBytes * 3) / 4), Math.min(maxPartitionMessages - portion.count, (maxPartitionMessages * 3) / 4));
        }
      }
      if (log.count + portion.count > this.#limits.maxPartitionMessages) return false;
      if (log.bytes + portion.bytes > this.#limits.maxPartitionBytes) return false;
    }
    return true;
  }

  #evictFor(log: PartitionLog, portion: Portion): void {
    while (
      log.count > 0 &&
      (log.count + portion.count > this.#limits.maxPartitionMessages || log.bytes + portion.bytes > this.#limits.maxPartitionBytes)
    ) {
      this.evicted += log.releaseBelow(log.baseOffset + 1);
    }
  }
}
