/**
 * Every error the bus raises is a BusError, and says whether a retry can help: the edge maps
 * retryable ones to 429/503 (RESOURCE_EXHAUSTED/UNAVAILABLE) and permanent ones to 400.
 */
export type BusErrorCode =
  | 'BUS_FULL'
  | 'BUS_UNAVAILABLE'
  | 'BUS_CLOSED'
  | 'MESSAGE_TOO_LARGE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNKNOWN_TOPIC'
  | 'NOT_ASSIGNED'
  | 'INVALID_ARGUMENT';

export class BusError extends Error {
  readonly code: BusErrorCode;
  readonly retryable: boolean;

  constructor(code: BusErrorCode, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

/** In-flight bytes stayed at the bound until the deadline (or abort). Retry after the hint. */
export class BusFullError extends BusError {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super('BUS_FULL', message, true);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The broker could not be reached or did not acknowledge in time; some messages may be written. */
export class BusUnavailableError extends BusError {
  readonly retryAfterMs: number;

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super('BUS_UNAVAILABLE', message, true, options);
    this.retryAfterMs = options?.retryAfterMs ?? 1_000;
  }
}

export class BusClosedError extends BusError {
  constructor(message = 'the bus is closed') {
    super('BUS_CLOSED', message, false);
  }
}

/** Messages over the topic's maxMessageBytes; nothing of the call was published. */
export class MessageTooLargeError extends BusError {
  /** Positions in the publish call's message array. */
  readonly indexes: readonly number[];
  readonly maxMessageBytes: number;

  constructor(topic: string, indexes: readonly number[], maxMessageBytes: number) {
    super(
      'MESSAGE_TOO_LARGE',
      `${indexes.length} message(s) over ${maxMessageBytes} bytes for topic ${topic} (indexes ${indexes.slice(0, 10).join(', ')}); nothing was published`,
      false,
    );
    this.indexes = indexes;
    this.maxMessageBytes = maxMessageBytes;
  }
}

/** One publish call bigger than the whole in-flight bound (or a partition's capacity): split it. */
export class PayloadTooLargeError extends BusError {
  constructor(message: string) {
    super('PAYLOAD_TOO_LARGE', message, false);
  }
}

export class UnknownTopicError extends BusError {
  readonly topic: string;

  constructor(topic: string, options?: { cause?: unknown }) {
    super('UNKNOWN_TOPIC', `unknown topic ${topic} (create it with ensureTopics)`, false, options);
    this.topic = topic;
  }
}

/** A commit for a partition this member does not own (any more). */
export class NotAssignedError extends BusError {
  constructor(topic: string, partition: number) {
    super('NOT_ASSIGNED', `partition ${topic}/${partition} is not assigned to this member`, false);
  }
}

export class InvalidArgumentError extends BusError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message, false);
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof BusError ? error.retryable : false;
}
