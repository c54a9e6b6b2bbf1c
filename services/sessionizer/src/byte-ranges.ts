// Byte ranges inside span chunks, compared and looked up without decoding them to strings:
// closing a session touches every id, name and tool call id of its spans, and a JS string (or a
// Set entry) per one of them used to be most of the cost of a close.

/** FNV-1a of a byte range. */
export function hashBytes(buf: Buffer, at: number, length: number): number {
  let hash = 0x811c9dc5;
  for (let i = at, end = at + length; i < end; i++) hash = Math.imul(hash ^ (buf[i] as number), 0x01000193);
  return hash >>> 0;
}

export function bytesEqual(a: Buffer, aAt: number, aLength: number, b: Buffer, bAt: number, bLength: number): boolean {
  if (aLength !== bLength) return false;
  for (let i = 0; i < aLength; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}

/** Byte order (shorter first on a common prefix): the order of the latin1 strings of both. */
export function compareBytes(a: Buffer, aAt: number, aLength: number, b: Buffer, bAt: number, bLength: number): number {
  const length = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < length; i++) {
    const x = a[aAt + i] as number;
    const y = b[bAt + i] as number;
    if (x !== y) return x - y;
  }
  return aLength - bLength;
}

/** ASCII case-insensitive equality of a byte range with a lower-case ASCII constant. */
export function equalsIgnoringCase(buf: Buffer, at: number, length: number, lower: string): boolean {
  if (length !== lower.length) return false;
  for (let i = 0; i < length; i++) {
    let byte = buf[at + i] as number;
    if (byte >= 0x41 && byte <= 0x5a) byte += 0x20;
    if (byte !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Exact equality of a byte range with an ASCII constant. */
export function equalsAscii(buf: Buffer, at: number, length: number, ascii: string): boolean {
  if (length !== ascii.length) return false;
  for (let i = 0; i < length; i++) if (buf[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Entries a map scans before it starts hashing. */
const LINEAR_ENTRIES = 8;

/**
 * A map from byte ranges (in the chunks it is given) to numbers, open addressing over typed
 * arrays. Reused from session to session: clear() costs the size of the last session's use.
 */
export class RangeMap {
  #chunks: readonly Buffer[] = [];
  /** Per entry: chunk, at, length, value. */
  #entries = new Int32Array(64 * 4);
  #count = 0;
  /** Entry index + 1 per slot; 0 is empty. */
  #slots = new Int32Array(128);
  #hashes = new Uint32Array(64);

  get size(): number {
    return this.#count;
  }

  /** Empties the map and points it at `chunks` for the ranges it will be given. */
  reset(chunks: readonly Buffer[]): void {
    this.#chunks = chunks;
    // After a large session, start small again rather than clear a large table every time.
    if (this.#slots.length > 1_024) {
      this.#slots = new Int32Array(128);
      this.#entries = new Int32Array(64 * 4);
      this.#hashes = new Uint32Array(64);
    } else if (this.#count > LINEAR_ENTRIES) this.#slots.fill(0);
    this.#count = 0;
  }

  // Entries in the order added.
  chunkOf(index: number): number {
    return this.#entries[index * 4] as number;
  }

  atOf(index: number): number {
    return this.#entries[index * 4 + 1] as number;
  }

  lengthOf(index: number): number {
    return this.#entries[index * 4 + 2] as number;
  }

  /** The value stored for the range, or -1. */
  get(chunk: number, at: number, length: number): number {
    const index = this.#indexOf(chunk, at, length);
    return index < 0 ? -1 : (this.#entries[index * 4 + 3] as number);
  }

  /** Stores `value` for the range unless it is there already; true when it was added. */
  add(chunk: number, at: number, length: number, value: number): boolean {
    if (this.#indexOf(chunk, at, length) >= 0) return false;
    const hash = this.#count >= LINEAR_ENTRIES ? hashBytes(this.#chunks[chunk] as Buffer, at, length) : 0;
    if ((this.#count + 1) * 2 > this.#slots.length) this.#grow();
    const index = this.#count++;
    if (index * 4 >= this.#entries.length) {
      const entries = new Int32Array(this.#entries.length * 2);
      entries.set(this.#entries);
      this.#entries = entries;
      const hashes = new Uint32Array(this.#hashes.length * 2);
      hashes.set(this.#hashes);
      this.#hashes = hashes;
    }
    const e = index * 4;
    this.#entries[e] = chunk;
    this.#entries[e + 1] = at;
    this.#entries[e + 2] = length;
    this.#entries[e + 3] = value;
    this.#hashes[index] = hash;
    if (index === LINEAR_ENTRIES) {
      // From now on by hash: hash and place the entries so far.
      for (let i = 0; i < index; i++) {
        const e = i * 4;
        this.#hashes[i] = hashBytes(this.#chunks[this.#entries[e] as number] as Buffer, this.#entries[e + 1] as number, this.#entries[e + 2] as number);
        this.#place(i, this.#hashes[i] as number);
      }
    }
    if (index >= LINEAR_ENTRIES) this.#place(index, hash);
    return true;
  }

  /** Entry index of the range, or -1: a scan while the map is small (most are: a few ids, models, tools). */
  #indexOf(chunk: number, at: number, length: number): number {
    const buf = this.#chunks[chunk] as Buffer;
    if (this.#count <= LINEAR_ENTRIES) {
      const entries = this.#entries;
      for (let i = 0, e = 0; i < this.#count; i++, e += 4) {
        if (bytesEqual(this.#chunks[entries[e] as number] as Buffer, entries[e + 1] as number, entries[e + 2] as number, buf, at, length)) return i;
      }
      return -1;
    }
    const slot = this.#find(chunk, at, length, hashBytes(buf, at, length));
    return slot < 0 ? -1 : (this.#slots[slot] as number) - 1;
  }

  /** Slot of the range, or -1. */
  #find(chunk: number, at: number, length: number, hash: number): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    const buf = this.#chunks[chunk] as Buffer;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot] as number;
      if (entry === 0) return -1;
      const e = (entry - 1) * 4;
      if (
        this.#hashes[entry - 1] === hash &&
        bytesEqual(this.#chunks[this.#entries[e] as number] as Buffer, this.#entries[e + 1] as number, this.#entries[e + 2] as number, buf, at, length)
      ) {
        return slot;
      }
    }
  }

  #place(index: number, hash: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let slot = hash & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = index + 1;
  }

  #grow(): void {
    this.#slots = new Int32Array(this.#slots.length * 2);
    if (this.#count > LINEAR_ENTRIES) for (let i = 0; i < this.#count; i++) this.#place(i, this.#hashes[i] as number);
  }
}
