// A session's encoded spans, copied into fixed-size chunks that belong to the session. One
// allocation per chunk instead of one per span, nothing shared with other sessions (a closed
// session's memory goes when it goes), and released chunks are reused: new ArrayBuffer memory
// makes V8 run full collections every few tens of MB, which cost more than everything else on
// the hot path together. Beside each span, one row of numbers: where it is, and what its head
// told about it (span-head.ts), so closing the session reads no top-level field twice.
import type { SpanHead } from './span-head.js';

/** Chunk size; a span larger than this gets a chunk of its own size (not pooled). */
export const SPAN_CHUNK_BYTES = 16 * 1_024;

/** Released standard-size chunks, kept for reuse up to a bound. */
export class ChunkPool {
  readonly #free: Buffer[] = [];
  readonly #maxChunks: number;

  constructor(maxBytes: number) {
    this.#maxChunks = Math.floor(maxBytes / SPAN_CHUNK_BYTES);
  }

  take(size: number): Buffer {
    if (size <= SPAN_CHUNK_BYTES) {
      const chunk = this.#free.pop();
      if (chunk) return chunk;
    }
    return Buffer.allocUnsafeSlow(Math.max(size, SPAN_CHUNK_BYTES));
  }

  give(chunk: Buffer): void {
    if (chunk.length === SPAN_CHUNK_BYTES && this.#free.length < this.#maxChunks) this.#free.push(chunk);
  }

  /** Bytes waiting for reuse. */
  get bytes(): number {
    return this.#free.length * SPAN_CHUNK_BYTES;
  }
}

// Row layout: positions are offsets into the span's chunk (absolute), lengths in bytes.
export const ROW_CHUNK = 0;
export const ROW_AT = 1;
export const ROW_END = 2;
export const ROW_START_LO = 3;
export const ROW_START_HI = 4;
export const ROW_END_LO = 5;
export const ROW_END_HI = 6;
export const ROW_STATUS = 7;
export const ROW_TRACE_AT = 8;
export const ROW_TRACE_LENGTH = 9;
export const ROW_SPAN_AT = 10;
export const ROW_SPAN_LENGTH = 11;
export const ROW_PARENT_AT = 12;
export const ROW_PARENT_LENGTH = 13;
export const ROW_NAME_AT = 14;
export const ROW_NAME_LENGTH = 15;
export const ROW_GEN_AI_AT = 16;
export const ROW_GEN_AI_LENGTH = 17;
export const ROW_FIELDS = 18;
const ROW_BYTES = ROW_FIELDS * 4;
const FIRST_ROWS = 32;

/** Writes the row of a span stored at `at` in chunk `chunk`, from its head. */
export function writeRow(rows: Uint32Array, index: number, chunk: number, at: number, size: number, head: SpanHead): void {
  const r = index * ROW_FIELDS;
  rows[r + ROW_CHUNK] = chunk;
  rows[r + ROW_AT] = at;
  rows[r + ROW_END] = at + size;
  rows[r + ROW_START_LO] = head.startLo;
  rows[r + ROW_START_HI] = head.startHi;
  rows[r + ROW_END_LO] = head.endLo;
  rows[r + ROW_END_HI] = head.endHi;
  rows[r + ROW_STATUS] = head.status;
  rows[r + ROW_TRACE_AT] = at + head.traceAt;
  rows[r + ROW_TRACE_LENGTH] = head.traceLength;
  rows[r + ROW_SPAN_AT] = at + head.spanAt;
  rows[r + ROW_SPAN_LENGTH] = head.spanLength;
  rows[r + ROW_PARENT_AT] = at + head.parentAt;
  rows[r + ROW_PARENT_LENGTH] = head.parentLength;
  rows[r + ROW_NAME_AT] = at + head.nameAt;
  rows[r + ROW_NAME_LENGTH] = head.nameLength;
  rows[r + ROW_GEN_AI_AT] = at + head.genAiAt;
  rows[r + ROW_GEN_AI_LENGTH] = head.genAiLength;
}

/** Spans and their rows, as closing a session reads them. */
export interface StoredSpans {
  chunks: readonly Buffer[];
  rows: Uint32Array;
  count: number;
}

const NO_ROWS = new Uint32Array(0);

export class SpanStore implements StoredSpans {
  readonly #pool: ChunkPool;
  #chunks: Buffer[] = [];
  #used = 0;
  #rows: Uint32Array = NO_ROWS;
  #count = 0;
  #bytes = 0;
  #allocated = 0;

  constructor(pool: ChunkPool) {
    this.#pool = pool;
  }

  get count(): number {
    return this.#count;
  }

  get chunks(): readonly Buffer[] {
    return this.#chunks;
  }

  /** One row of ROW_FIELDS numbers per span, in the order appended (valid until the next append). */
  get rows(): Uint32Array {
    return this.#rows;
  }

  /** Sum of the spans' sizes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes of the chunks holding them (what the memory cap charges). */
  get allocated(): number {
    return this.#allocated;
  }

  /** Bytes that appending a span of `size` bytes would allocate (0 when it fits the last chunk and the rows). */
  growthFor(size: number): number {
    const chunk = this.#chunks[this.#chunks.length - 1];
    const rows = (this.#count + 1) * ROW_FIELDS > this.#rows.length ? Math.max(FIRST_ROWS * ROW_BYTES, this.#rows.byteLength) : 0;
    return rows + (chunk && this.#used + size <= chunk.length ? 0 : Math.max(SPAN_CHUNK_BYTES, size));
  }

  /** Copies the span in, with the row its head (read from these bytes) gives. */
  append(span: Buffer, head: SpanHead): void {
    const size = span.length;
    if ((this.#count + 1) * ROW_FIELDS > this.#rows.length) {
      const rows = new Uint32Array(Math.max(FIRST_ROWS * ROW_FIELDS, this.#rows.length * 2));
      rows.set(this.#rows);
      this.#allocated += rows.byteLength - this.#rows.byteLength;
      this.#rows = rows;
    }
    let chunk = this.#chunks[this.#chunks.length - 1];
    if (!chunk || this.#used + size > chunk.length) {
      // The last chunk's tail stays empty; spans never straddle chunks.
      chunk = this.#pool.take(size);
      this.#chunks.push(chunk);
      this.#allocated += chunk.length;
      this.#used = 0;
    }
    span.copy(chunk, this.#used);
    writeRow(this.#rows, this.#count++, this.#chunks.length - 1, this.#used, size, head);
    this.#used += size;
    this.#bytes += size;
  }

  /** A view of span `index` (in the order appended); valid until release(). */
  span(index: number): Buffer {
    const r = index * ROW_FIELDS;
    const rows = this.#rows;
    return (this.#chunks[rows[r + ROW_CHUNK] as number] as Buffer).subarray(rows[r + ROW_AT], rows[r + ROW_END]);
  }

  /** Returns the chunks to the pool: no view from all() may be used afterwards. */
  release(): void {
    for (const chunk of this.#chunks) this.#pool.give(chunk);
    this.#chunks = [];
    this.#rows = NO_ROWS;
    this.#count = 0;
    this.#used = 0;
    this.#bytes = 0;
    this.#allocated = 0;
  }
}
