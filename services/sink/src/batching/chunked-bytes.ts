/**
 * A range's RowBinary rows, kept where they were written: pieces of the buffers each bus batch
 * was encoded into, joined only by the file write or request body (a vectored write). Rows are
 * never copied, and a range grows to its byte bound without reallocating.
 */
export class ChunkedBytes {
  readonly #buffers: Buffer[] = [];
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  /** Where each piece begins in the total. */
  readonly #offsets: number[] = [];
  /** Total bytes. */
  length = 0;

  /** Appends bytes [start, end) of `buf`, extending the last piece when they follow it. */
  append(buf: Buffer, start: number, end: number): void {
    const last = this.#buffers.length - 1;
    if (last >= 0 && this.#buffers[last] === buf && this.#ends[last] === start) {
      this.#ends[last] = end;
    } else {
      this.#buffers.push(buf);
      this.#starts.push(start);
      this.#ends.push(end);
      this.#offsets.push(this.length);
    }
    this.length += end - start;
  }

  /** Views of bytes [from, to) of the total, in order. */
  slice(from: number, to: number): Buffer[] {
    const views: Buffer[] = [];
    for (let i = 0; i < this.#buffers.length; i++) {
      const offset = this.#offsets[i] as number;
      const start = this.#starts[i] as number;
      const pieceEnd = offset + ((this.#ends[i] as number) - start);
      const a = Math.max(from, offset);
      const b = Math.min(to, pieceEnd);
      if (a < b) views.push((this.#buffers[i] as Buffer).subarray(start + a - offset, start + b - offset));
    }
    return views;
  }
}
