// A partition's clocks, as each session sees them. A session is judged only by records at or
// after its own first span: a restart that re-reads the partition from a committed offset at or
// before that span sees exactly those records, so it takes the same decisions (README, "Time").

/**
 * Maximum of the values pushed at or after an offset, for any offset still of interest. Keeps
 * the records that are larger than everything after them (a monotonic stack): for clocks that
 * mostly rise this is one or two entries.
 */
export class SuffixMax {
  #offsets: number[] = [];
  #values: number[] = [];
  #head = 0;

  push(offset: number, value: number): void {
    const values = this.#values;
    while (values.length > this.#head && (values[values.length - 1] as number) <= value) {
      values.pop();
      this.#offsets.pop();
    }
    values.push(value);
    this.#offsets.push(offset);
  }

  /** Max over values pushed at offsets >= `offset`; -Infinity when none. */
  since(offset: number): number {
    const offsets = this.#offsets;
    let lo = this.#head;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((offsets[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < offsets.length ? (this.#values[lo] as number) : -Infinity;
  }

  /** Max of everything retained. */
  max(): number {
    return this.#head < this.#values.length ? (this.#values[this.#head] as number) : -Infinity;
  }

  /** Forgets entries below `offset`: no session that starts there is left to ask. */
  prune(offset: number): void {
    const offsets = this.#offsets;
    // Keep the entry that answers for `offset` itself, even if it was pushed before.
    while (this.#head < offsets.length - 1 && (offsets[this.#head + 1] as number) <= offset) this.#head++;
    if (this.#head > 64 && this.#head * 2 > offsets.length) {
      this.#offsets = offsets.slice(this.#head);
      this.#values = this.#values.slice(this.#head);
      this.#head = 0;
    }
  }

  size(): number {
    return this.#values.length - this.#head;
  }
}

/**
 * Processing time (ingest's received time) and event time (span end, bounded by processing
 * time) of one partition, plus the wall-clock extension of processing time for a partition that
 * has stopped delivering (the only input that is not in the log).
 */
export class PartitionClock {
  readonly received = new SuffixMax();
  readonly event = new SuffixMax();
  /** Largest received time seen (for the wall-clock extension). */
  maxReceivedNs = -Infinity;
  /** Processing time reached through the wall clock while the partition was silent; only rises. */
  extendedNs = -Infinity;

  observe(offset: number, receivedNs: number, eventNs: number): void {
    this.received.push(offset, receivedNs);
    this.event.push(offset, eventNs);
    if (receivedNs > this.maxReceivedNs) this.maxReceivedNs = receivedNs;
  }

  receivedSince(offset: number): number {
    const fromLog = this.received.since(offset);
    return fromLog > this.extendedNs ? fromLog : this.extendedNs;
  }

  eventSince(offset: number): number {
    return this.event.since(offset);
  }

  /** Latest processing time any session of the partition may see. */
  receivedNow(): number {
    return Math.max(this.maxReceivedNs, this.extendedNs);
  }

  /** Raises the extension to `ns`; true when it moved. */
  extendTo(ns: number): boolean {
    if (ns <= this.extendedNs || ns <= this.maxReceivedNs) return false;
    this.extendedNs = ns;
    return true;
  }

  prune(offset: number): void {
    this.received.prune(offset);
    this.event.prune(offset);
  }
}
