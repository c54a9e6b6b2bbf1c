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
}

export interface LoadedPartition {
  /** Records at or after the floor asked for, in offset order. */
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
   * Reads the segments, keeps the records from `floor` on, and cuts a torn tail off the last
   * segment (it was never acknowledged: publish resolves only after the fdatasync). Damage
   * anywhere else is not a crash artefact and stops the start.
   */
  async load(floor: number): Promise<LoadedPartition> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter((name) => /^\d{20}\.log$/.test(name)).sort();
    const records: StoredRecordData[] = [];
    let truncated: string | undefined;
    let nextOffset = 0;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const file = path.join(this.dir, name);
      const base = Number(name.slice(0, -SUFFIX.length));
      const data = await readFile(file);
      let at = 0;
      let expected = base;
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
          if (decoded.record.offset >= floor) records.push(decoded.record);
          expected++;
          at = decoded.next;
        }
      }
      this.#segments.push({ base, file, end: expected, size: at });
      nextOffset = expected;
    }
    return { records, nextOffset, truncated };
  }

  /**
   * Appends framed records (`first` is the first one's offset) and fdatasyncs them. A gap
   * between the active segment's end and `first` (a restart that resumed after a committed
   * offset beyond the files) starts a new segment, so every segment stays contiguous.
   */
  async append(first: number, frames: readonly Buffer[], count: number): Promise<void> {
    let active = this.#segments.at(-1);
    if (!active || !this.#handle || active.end !== first || active.size >= this.#segmentBytes) {
      active = await this.#roll(first, active);
    }
    let size = 0;
    for (const frame of frames) size += frame.length;
    const { bytesWritten } = await this.#handle!.writev(frames as Buffer[]);
    if (bytesWritten !== size) throw new Error(`short write to ${active.file}: ${bytesWritten} of ${size} bytes`);
    await this.#handle!.datasync();
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
      await unlink(oldest.file);
      deleted++;
    }
    return deleted;
  }

  async close(): Promise<void> {
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
    const segment: Segment = { base: first, file: path.join(this.dir, segmentName(first)), end: first, size: 0 };
    // 'w': a file of that name can only be an empty or torn leftover at this offset.
    this.#handle = await open(segment.file, 'w');
    await syncDirectory(this.dir);
    this.#segments.push(segment);
    return segment;
  }
}
