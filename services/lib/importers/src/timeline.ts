// Synthetic time: the data sets carry no timestamps, only message order. A session's spans get
// increasing times from its start in fixed steps, so span order and nesting follow message
// order and the same record and start time always give the same times. Durations carry no
// information.

/** Nanoseconds per millisecond, as bigint. */
const NS_PER_MS = 1_000_000n;

export const STEP_MS = {
  /** From a span's start to the first span it hands work to (never the same instant). */
  handOff: 10,
  /** An LLM call, from request to response. */
  llmCall: 1_000,
  /** A tool call, from the model's request to the tool message. */
  toolCall: 100,
  /** Between a turn's last span and the next user message. */
  userReply: 1_000,
  /** Between one session's end and the next session's start, when sessions follow each other. */
  betweenSessions: 1_000,
} as const;

/** A cursor in ns since the Unix epoch. */
export class Timeline {
  #now: bigint;

  constructor(startUnixNano: bigint) {
    this.#now = startUnixNano;
  }

  get now(): bigint {
    return this.#now;
  }

  /** Moves the cursor on by `ms` and returns the new time. */
  advance(ms: number): bigint {
    this.#now += BigInt(ms) * NS_PER_MS;
    return this.#now;
  }

  /** Moves the cursor to `time` when that is later. */
  reach(time: bigint): void {
    if (time > this.#now) this.#now = time;
  }
}

export function unixNanoOf(time: Date | number | bigint): bigint {
  if (typeof time === 'bigint') return time;
  const ms = typeof time === 'number' ? time : time.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`invalid start time: ${String(time)}`);
  return BigInt(Math.trunc(ms)) * NS_PER_MS;
}
