import type { OutgoingMessage } from './types.js';

/** Payload bytes of a message (key, value, headers): what in-flight bounds and stats count. */
export function messageBytes(message: OutgoingMessage): number {
  let bytes = byteLength(message.key) + message.value.length;
  if (message.headers) {
    for (const [name, value] of Object.entries(message.headers)) bytes += Buffer.byteLength(name) + byteLength(value);
  }
  return bytes;
}

export function totalBytes(messages: readonly OutgoingMessage[]): number {
  let bytes = 0;
  for (const message of messages) bytes += messageBytes(message);
  return bytes;
}

/** Kafka's record batch header, 12 bytes of log overhead included. */
export const BATCH_OVERHEAD_BYTES = 61;
/** Upper bound of one record's framing (length, attributes, deltas, key/value lengths as varints). */
export const RECORD_OVERHEAD_BYTES = 36;
const HEADER_OVERHEAD_BYTES = 10;

/**
 * Upper bound of the batch a message makes on its own; Kafka's max.message.bytes applies to that.
 * Both buses refuse a message above the topic's limit by this same estimate, so they agree.
 */
export function singleRecordBatchBytes(message: OutgoingMessage): number {
  return BATCH_OVERHEAD_BYTES + recordBytes(message);
}

export function recordBytes(message: OutgoingMessage): number {
  let bytes = RECORD_OVERHEAD_BYTES + byteLength(message.key) + message.value.length;
  if (message.headers) {
    for (const [name, value] of Object.entries(message.headers)) {
      bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + byteLength(value);
    }
  }
  return bytes;
}

function byteLength(data: Buffer | string): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}
