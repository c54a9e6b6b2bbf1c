import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { TopicPartitionOffset, TopicSpec } from '../types.js';
import { PartitionSegments, syncDirectory, type LoadedPartition } from './partition-segments.js';
import { encodeRecordInto, frameBytes, type StoredRecordData } from './record-codec.js';

/** Committed offsets of the groups that outlive the process (ephemeral ones are left out). */
export type GroupOffsets = Map<string, TopicPartitionOffset[]>;

export interface OpenedTopic {
  /** The spec the topic was created with (a restart keeps its partitions, as Kafka would). */
  spec: TopicSpec;
  created: boolean;
  partitions: LoadedPartition[];
}

interface Staged {
  first: number;
  /** Frame size of each staged record, in offset order. */
  sizes: number[];
  /** Frames back to back in slabs; slab i is filled up to fills[i]. */
  slabs: Buffer[];
  fills: number[];
  onDurable: (end: number) => void;
}

/** Staging buffers: big enough for many frames, reused across flushes to spare the GC. */
const SLAB_BYTES = 256 * 1024;
const MAX_POOLED_SLABS = 64;

interface TopicFiles {
  segments: PartitionSegments[];
  /** Where the in-memory log starts: the floor of a topic no surviving group reads. */
  memoryBase: (partition: number) => number;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A flush nobody waits for (its publishers gave up) must not become an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

const OFFSETS_FILE = 'offsets.json';

/**
 * The files behind the durable in-process bus, under one directory:
 *
 *   topics/<topic>/topic.json          the spec the topic was created with
 *   topics/<topic>/<partition>/*.log   segments (partition-segments.ts, record-codec.ts)
 *   offsets.json                       committed offsets of every lasting group (atomic rename)
 *
 * Writes are group-committed: records staged while a flush runs go out together in the next
 * one, with one write and one fdatasync per partition touched. Segments are deleted once the
 * *persisted* offsets of every group that reads the topic are past them.
 */
export class DurableLog {
  readonly dir: string;
  readonly #segmentBytes: number;
  readonly #topics = new Map<string, TopicFiles>();
  #pending = new Map<PartitionSegments, Staged>();
  readonly #slabPool: Buffer[] = [];
  #dataChain: Promise<void> = Promise.resolve();
  #nextFlush: Deferred | undefined;
  #offsetsChain: Promise<void> = Promise.resolve();
  #nextOffsets: Deferred | undefined;
  /** Offsets as last written to offsets.json. */
  #persisted: GroupOffsets = new Map();
  /** Offsets as found at start, for topics not opened yet. */
  #restored: GroupOffsets = new Map();
  #ready: Promise<void> | undefined;
  /** The first write error: from then on the log refuses work (see failure()). */
  #failure: Error | undefined;

  constructor(dir: string, segmentBytes: number) {
    this.dir = dir;
    this.#segmentBytes = segmentBytes;
  }

  /** Creates the directory and reads offsets.json, once. */
  ready(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(path.join(this.dir, 'topics'), { recursive: true });
      this.#persisted = await readOffsets(path.join(this.dir, OFFSETS_FILE));
      this.#restored = this.#persisted;
    })();
    return this.#ready;
  }

  failure(): Error | undefined {
    return this.#failure;
  }

  /** Offsets of the groups as this start found them. */
  restoredOffsets(): GroupOffsets {
    return this.#restored;
  }

  /**
   * Opens a topic's files, creating them from `spec` when new. An existing topic keeps its
   * stored spec; `partitions` (more than stored) adds partitions. Each partition's records are
   * loaded from the lowest offset a restored group still needs, the newest `residentBytes` of
   * them into memory.
   */
  async openTopic(spec: TopicSpec, partitions: number, memoryBase: TopicFiles['memoryBase'], residentBytes = Infinity): Promise<OpenedTopic> {
    await this.ready();
    const dir = this.#topicDir(spec.name);
    const specFile = path.join(dir, 'topic.json');
    let stored = await readJson<TopicSpec>(specFile);
    const created = stored === undefined;
    if (!stored || stored.partitions < partitions) {
      stored = { ...(stored ?? spec), partitions: Math.max(partitions, stored?.partitions ?? spec.partitions) };
      await mkdir(dir, { recursive: true });
      await writeAtomically(specFile, JSON.stringify(stored));
      if (created) await syncDirectory(path.dirname(dir));
    }
    const files: TopicFiles = { segments: [], memoryBase };
    const loaded: LoadedPartition[] = [];
    for (let p = 0; p < stored.partitions; p++) {
      const segments = new PartitionSegments(path.join(dir, String(p)), this.#segmentBytes);
      loaded.push(await segments.load(this.#floor(spec.name, p) ?? 0, residentBytes));
      files.segments.push(segments);
    }
    await syncDirectory(dir);
    this.#topics.set(spec.name, files);
    return { spec: stored, created, partitions: loaded };
  }

  /** More partitions for an open topic (`ensureTopics` with increasePartitions). */
  async addPartitions(name: string, total: number): Promise<void> {
    const files = this.#topics.get(name);
    if (!files) throw new RangeError(`topic ${name} is not open`);
    const dir = this.#topicDir(name);
    const specFile = path.join(dir, 'topic.json');
    const stored = await readJson<TopicSpec>(specFile);
    if (stored) await writeAtomically(specFile, JSON.stringify({ ...stored, partitions: total }));
    while (files.segments.length < total) {
      const segments = new PartitionSegments(path.join(dir, String(files.segments.length)), this.#segmentBytes);
      await segments.load(0);
      files.segments.push(segments);
    }
    await syncDirectory(dir);
  }

  segments(topic: string, partition: number): PartitionSegments {
    const segments = this.#topics.get(topic)?.segments[partition];
    if (!segments) throw new RangeError(`no files for ${topic}/${partition}`);
    return segments;
  }

  /** Queues a record for the next flush; `onDurable(end)` runs once it is on disk. */
  stage(segments: PartitionSegments, record: StoredRecordData, onDurable: (end: number) => void): void {
    let staged = this.#pending.get(segments);
    if (!staged) {
      staged = { first: record.offset, sizes: [], slabs: [], fills: [], onDurable };
      this.#pending.set(segments, staged);
    }
    const size = frameBytes(record);
    const last = staged.slabs.length - 1;
    let slab = staged.slabs[last];
    if (!slab || slab.length - (staged.fills[last] as number) < size) {
      slab = size <= SLAB_BYTES ? (this.#slabPool.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES)) : Buffer.allocUnsafeSlow(size);
      staged.slabs.push(slab);
      staged.fills.push(0);
    }
    const at = staged.slabs.length - 1;
    staged.fills[at] = encodeRecordInto(slab, staged.fills[at] as number, record);
    staged.sizes.push(size);
  }

  #frames(staged: Staged): Buffer[] {
    return staged.slabs.map((slab, i) => slab.subarray(0, staged.fills[i]));
  }

  #recycle(staged: Staged): void {
    for (const slab of staged.slabs) {
      if (slab.length === SLAB_BYTES && this.#slabPool.length < MAX_POOLED_SLABS) this.#slabPool.push(slab);
    }
  }

  /** Resolves once every record staged so far is written and fdatasynced (group commit). */
  flush(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#nextFlush) return this.#nextFlush.promise;
    const next = deferred();
    this.#nextFlush = next;
    this.#dataChain = this.#dataChain.then(async () => {
      this.#nextFlush = undefined;
      const work = this.#pending;
      this.#pending = new Map();
      try {
        if (this.#failure) throw this.#failure;
        await Promise.all([...work].map(([segments, staged]) => segments.append(staged.first, this.#frames(staged), staged.sizes)));
        for (const staged of work.values()) {
          staged.onDurable(staged.first + staged.sizes.length);
          this.#recycle(staged);
        }
        next.resolve();
      } catch (error) {
        // A record that failed to reach the disk has an offset already; later ones would leave a
        // hole in the files. Stop here: the process restarts from what is on disk.
        this.#failure ??= error instanceof Error ? error : new Error(String(error));
        next.reject(this.#failure);
      }
    });
    return next.promise;
  }

  /**
   * Writes the groups' offsets (`snapshot` is read when the write starts, so concurrent commits
   * share one write), then deletes the segments every group is past.
   */
  persistOffsets(snapshot: () => GroupOffsets): Promise<void> {
    if (this.#nextOffsets) return this.#nextOffsets.promise;
    const next = deferred();
    this.#nextOffsets = next;
    this.#offsetsChain = this.#offsetsChain.then(async () => {
      this.#nextOffsets = undefined;
      try {
        const offsets = this.#keepUnopened(snapshot());
        await writeAtomically(path.join(this.dir, OFFSETS_FILE), serializeOffsets(offsets));
        this.#persisted = offsets;
        next.resolve();
      } catch (error) {
        next.reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      this.#dataChain = this.#dataChain.then(() => this.#deleteCommitted()).catch(() => undefined);
    });
    return next.promise;
  }

  /** Waits for writes in progress and closes the files. */
  async close(): Promise<void> {
    await this.#offsetsChain;
    await this.#dataChain;
    for (const files of this.#topics.values()) await Promise.all(files.segments.map((s) => s.close()));
  }

  /** A topic not opened in this run keeps its groups' offsets on disk, for when it is. */
  #keepUnopened(offsets: GroupOffsets): GroupOffsets {
    for (const [group, entries] of this.#restored) {
      const kept = entries.filter((e) => !this.#topics.has(e.topic));
      if (kept.length > 0) offsets.set(group, [...(offsets.get(group) ?? []), ...kept]);
    }
    return offsets;
  }

  async #deleteCommitted(): Promise<void> {
    for (const [name, files] of this.#topics) {
      for (let p = 0; p < files.segments.length; p++) {
        // Never past what memory still counts as retained: an ephemeral group (a tail) is not
        // in the persisted offsets but may read records back from the files.
        await (files.segments[p] as PartitionSegments).deleteBelow(Math.min(this.#floor(name, p) ?? Infinity, files.memoryBase(p)));
      }
    }
  }

  /** Lowest persisted offset of `topic/partition` over the groups reading the topic; undefined if none does. */
  #floor(topic: string, partition: number): number | undefined {
    let floor: number | undefined;
    for (const entries of this.#persisted.values()) {
      if (!entries.some((e) => e.topic === topic)) continue;
      const entry = entries.find((e) => e.topic === topic && e.partition === partition);
      // A group that reads the topic but has no offset for this partition (added later) needs all of it.
      floor = Math.min(floor ?? Infinity, entry?.offset ?? 0);
    }
    return floor;
  }

  #topicDir(name: string): string {
    return path.join(this.dir, 'topics', encodeURIComponent(name));
  }
}

function serializeOffsets(offsets: GroupOffsets): string {
  const groups: Record<string, [string, number, number][]> = {};
  for (const [group, entries] of offsets) groups[group] = entries.map((e) => [e.topic, e.partition, e.offset]);
  return JSON.stringify({ version: 1, groups });
}

async function readOffsets(file: string): Promise<GroupOffsets> {
  const data = await readJson<{ version: number; groups: Record<string, [string, number, number][]> }>(file);
  const offsets: GroupOffsets = new Map();
  if (!data) return offsets;
  if (data.version !== 1) throw new Error(`${file}: unknown version ${data.version}`);
  for (const [group, entries] of Object.entries(data.groups)) {
    offsets.set(
      group,
      entries.map(([topic, partition, offset]) => ({ topic, partition, offset })),
    );
  }
  return offsets;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Temp file, fdatasync, rename over, fsync the directory: the file is either the old or the new one. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  await syncDirectory(path.dirname(file));
}
