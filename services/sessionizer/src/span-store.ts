// A session's encoded spans, copied into fixed-size chunks that belong to the session. One
// allocation per chunk instead of one per span, nothing shared with other sessions (a closed
// session's memory goes when it goes), and released chunks are reused: new ArrayBuffer memory
// makes V8 run full collections every few tens of MB, which cost more than everything else on
// the hot path together.

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

export class SpanStore {
  readonly #pool: ChunkPool;
  #chunks: Buffer[] = [];
  #used = 0;
  /** Per span: chunk index, start, end. */
  #refs: number[] = [];
  #bytes = 0;
  #allocated = 0;

  constructor(pool: ChunkPool) {
    this.#pool = pool;
  }

  get count(): number {
    return this.#refs.length / 3;
  }

  /** Sum of the spans' sizes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes of the chunks holding them (what the memory cap charges). */
  get allocated(): number {
    return this.#allocated;
  }

  /** Bytes that appending a span of `size` bytes would allocate (0 when it fits the last chunk). */
  growthFor(size: number): number {
    const chunk = this.#chunks[this.#chunks.length - 1];
    return chunk && this.#used + size <= chunk.length ? 0 : Math.max(SPAN_CHUNK_BYTES, size);
  }

  append(span: Buffer): void {
    const size = span.length;
    let chunk = this.#chunks[this.#chunks.length - 1];
    if (!chunk || this.#used + size > chunk.length) {
      // The last chunk's tail stays empty; spans never straddle chunks.
      chunk = this.#pool.take(size);
      this.#chunks.push(chunk);
      this.#allocated += chunk.length;
      this.#used = 0;
    }
    span.copy(chunk, this.#used);
    this.#refs.push(this.#chunks.length - 1, this.#used, this.#used + size);
    this.#used += size;
    this.#bytes += size;
  }

  /** Views of the spans in the order appended; valid until release(). */
  all(): Buffer[] {
    const refs = this.#refs;
    const spans: Buffer[] = new Array<Buffer>(refs.length / 3);
    for (let i = 0, j = 0; i < refs.length; i += 3, j++) {
      spans[j] = (this.#chunks[refs[i] as number] as Buffer).subarray(refs[i + 1], refs[i + 2]);
    }
    return spans;
  }

  /** Returns the chunks to the pool: no view from all() may be used afterwards. */
  release(): void {
    for (const chunk of this.#chunks) this.#pool.give(chunk);
    this.#chunks = [];
    this.#refs = [];
    this.#used = 0;
    this.#bytes = 0;
    this.#allocated = 0;
  }
}
