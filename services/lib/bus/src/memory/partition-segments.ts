import { closeSync, openSync, readSync } from 'node:fs';
import { mkdir, open, readdir, readFile, truncate, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { decodeRecord, type StoredRecordData } from './record-codec.js';

interface Segment {
  /** Offset of the segment's first record (also its file name). */
  base: number;
  file: string;
  /** Offset after its last record. */
  end: number;
  size: number;
  /** File position of each record's frame: positions[offset - base]. */
  positions: number[];
  /** A read-only descriptor for records read back (spilled ones), opened on first use. */
  reader: number | undefined;
}

export interface LoadedPartition {
  /** Offset of the first record kept (the floor asked for, or later when the files start later). */
  firstOffset: number;
  /** Counted bytes of the records from firstOffset that stay on disk only (the older ones), in offset order. */
  spilled: number[];
  /** The newest records from the floor on, within the resident budget, in offset order. */
  records: StoredRecordData[];
  /** Offset the next record gets. */
  nextOffset: number;
  /** A torn or corrupt tail cut off the last segment, if any (what and where). */
  truncated: string | undefined;
}

const SUFFIX = '.log';

export function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}${SUFFIX}`;
}

/** Makes a directory and its new entries durable (a new file's name is in its directory, not in the file). */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * One partition's segment files: `<base offset>.log`, appended in offset order. The newest
 * (active) segment takes writes; when it reaches `segmentBytes` the next write starts a new one.
 * Whole segments below every group's committed offset are deleted; the active one never is.
 */
export class PartitionSegments {
  readonly dir: string;
  readonly #segmentBytes: number;
  #segments: Segment[] = [];
  #handle: FileHandle | undefined;

  constructor(dir: string, segmentBytes: number) {
    this.dir = dir;
    this.#segmentBytes = segmentBytes;
  }

  get segmentCount(): number {
    return this.#segments.length;
  }

  /**
   * Reads the segments and cuts a torn tail off the last one (it was never acknowledged: publish
   * resolves only after the fdatasync); damage anywhere else is not a crash artefact and stops
   * the start. Of the records from `floor` on, the newest `residentBytes` come back whole; the
   * older ones stay on disk (their sizes only), to be read back when a group gets to them.
   */
  async load(floor: number, residentBytes = Infinity): Promise<LoadedPartition> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter((name) => /^\d{20}\.log$/.test(name)).sort();
    const records: StoredRecordData[] = [];
    const spilled: number[] = [];
    let firstOffset: number | undefined;
    let held = 0;
    let oldest = 0;
    let truncated: string | undefined;
    let nextOffset = 0;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const file = path.join(this.dir, name);
      const base = Number(name.slice(0, -SUFFIX.length));
      const data = await readFile(file);
      let at = 0;
      let expected = base;
      const positions: number[] = [];
      while (at < data.length) {
        const decoded = decodeRecord(data, at);
        const problem = 'torn' in decoded ? decoded.torn : decoded.record.offset !== expected ? `offset ${decoded.record.offset}, expected ${expected}` : undefined;
        if (problem !== undefined) {
          if (i !== names.length - 1) throw new Error(`bus segment ${file} is damaged at byte ${at} (${problem}) and is not the last one`);
          truncated = `${file} at byte ${at} of ${data.length}: ${problem}`;
          await truncate(file, at);
          break;
        }
        if (!('torn' in decoded)) {
          positions.push(at);
          if (decoded.record.offset >= floor) {
            firstOffset ??= decoded.record.offset;
            records.push(decoded.record);
            held += decoded.record.bytes;
            // Memory holds one segment's buffer and the budget, however long the backlog.
            while (held > residentBytes && records.length - oldest > 1) {
              const old = records[oldest] as StoredRecordData;
              records[oldest++] = undefined as unknown as StoredRecordData;
              held -= old.bytes;
              spilled.push(old.bytes);
            }
          }
          expected++;
          at = decoded.next;
        }
      }
      this.#segments.push({ base, file, end: expected, size: at, positions, reader: undefined });
      nextOffset = expected;
    }
    return { firstOffset: firstOffset ?? nextOffset, spilled, records: records.slice(oldest), nextOffset, truncated };
  }

  /** Bytes of the segment files. */
  get diskBytes(): number {
    let bytes = 0;
    for (const segment of this.#segments) bytes += segment.size;
    return bytes;
  }

  /**
   * Reads records back from the files: from `from` (inclusive) to `to` (exclusive), at least one,
   * then up to `maxRecords` and `maxBytes` of frames. Synchronous, like the in-memory read it
   * stands in for: it serves records that left memory (a lagging or restarted group), from the
   * page cache as a rule.
   */
  readRecords(from: number, to: number, maxRecords: number, maxBytes: number): StoredRecordData[] {
    const segment = this.#segments.find((s) => s.base <= from && from < s.end);
    if (!segment) throw new RangeError(`${this.dir}: offset ${from} is not in the files`);
    const first = from - segment.base;
    const last = Math.min(to, segment.end, from + Math.max(1, maxRecords)) - segment.base;
    const start = segment.positions[first] as number;
    let count = 1;
    while (first + count < last && (segment.positions[first + count + 1] ?? segment.size) - start <= maxBytes) count++;
    const end = segment.positions[first + count] ?? segment.size;
    const data = Buffer.allocUnsafe(end - start);
    segment.reader ??= openSync(segment.file, 'r');
    let read = 0;
    while (read < data.length) {
      const n = readSync(segment.reader, data, read, data.length - read, start + read);
      if (n === 0) throw new Error(`${segment.file}: ended at byte ${start + read}, expected ${end}`);
      read += n;
    }
    const records: StoredRecordData[] = [];
    for (let at = 0; at < data.length; ) {
      const decoded = decodeRecord(data, at);
      if ('torn' in decoded) throw new Error(`${segment.file}: record at byte ${start + at} is damaged (${decoded.torn})`);
      if (decoded.record.offset !== from + records.length) throw new Error(`${segment.file}: offset ${decoded.record.offset}, expected ${from + records.length}`);
      records.push(decoded.record);
      at = decoded.next;
    }
    return records;
  }

  /**
   * Appends framed records (`first` is the first one's offset) and fdatasyncs them. A gap
   * between the active segment's end and `first` (a restart that resumed after a committed
   * offset beyond the files) starts a new segment, so every segment stays contiguous.
   */
  async append(first: number, frames: readonly Buffer[], frameSizes: readonly number[]): Promise<void> {
    const count = frameSizes.length;
    let active = this.#segments.at(-1);
    if (!active || !this.#handle || active.end !== first || active.size >= this.#segmentBytes) {
      active = await this.#roll(first, active);
    }
    let size = 0;
    for (const frame of frames) size += frame.length;
    const { bytesWritten } = await this.#handle!.writev(frames as Buffer[]);
    if (bytesWritten !== size) throw new Error(`short write to ${active.file}: ${bytesWritten} of ${size} bytes`);
    await this.#handle!.datasync();
    let position = active.size;
    for (const frameSize of frameSizes) {
      active.positions.push(position);
      position += frameSize;
    }
    active.size += size;
    active.end = first + count;
  }

  /**
   * Deletes segments whose records all lie below `floor`, the active one too once it is wholly
   * below (the next write starts a new one; a restart continues after the committed offsets).
   */
  async deleteBelow(floor: number): Promise<number> {
    let deleted = 0;
    while (this.#segments.length > 0) {
      const [oldest, next] = this.#segments as [Segment, Segment | undefined];
      if (next ? next.base > floor : oldest.end > floor || oldest.size === 0) break;
      if (!next) await this.close();
      this.#segments.shift();
      closeReader(oldest);
      await unlink(oldest.file);
      deleted++;
    }
    return deleted;
  }

  async close(): Promise<void> {
    for (const segment of this.#segments) closeReader(segment);
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  async #roll(first: number, active: Segment | undefined): Promise<Segment> {
    // Reopen an active segment left by load() when it still has room and continues at `first`.
    if (active && !this.#handle && active.end === first && active.size < this.#segmentBytes) {
      this.#handle = await open(active.file, 'a');
      return active;
    }
    await this.close();
    const segment: Segment = { base: first, file: path.join(this.dir, segmentName(first)), end: first, size: 0, positions: [], reader: undefined };
    // 'w': a file of that name can only be an empty or torn leftover at this offset.
    this.#handle = await open(segment.file, 'w');
    await syncDirectory(this.dir);
    this.#segments.push(segment);
    return segment;
  }
}

function closeReader(segment: Segment): void {
  if (segment.reader === undefined) return;
  closeSync(segment.reader);
  segment.reader = undefined;
}
