// One pass over a publish call's messages before they go to the sender: the checks of
// checkMessages (a Buffer value, no message over the topic's max.message.bytes by the shared
// estimate), the key bytes (computed once, for the partitioner and the produce request), the
// partition, the record size and the call's payload bytes. A frozen headers object (the usual
// case: one constant object for every message of a topic) is measured and turned into the
// produce request's header map once, not per message.
import { InvalidArgumentError, MessageTooLargeError } from '../errors.js';
import { BATCH_OVERHEAD_BYTES, messageBytes, RECORD_OVERHEAD_BYTES, recordBytes } from '../message-size.js';
import { keyBytes, murmur2 } from '../partitioner.js';
import type { OutgoingMessage } from '../types.js';

export type HeaderMap = Map<Buffer, Buffer>;

/** What a headers object adds to a message: bytes by both estimates, and its produce form. */
interface HeaderCost {
  /** Added to messageBytes (payload: names and values). */
  payloadBytes: number;
  /** Added to recordBytes (with per-header framing). */
  recordBytes: number;
  map: HeaderMap;
}

const EMPTY = Buffer.alloc(0);
const frozenCosts = new WeakMap<object, HeaderCost>();

function measureHeaders(headers: Readonly<Record<string, Buffer | string>>): HeaderCost {
  const bare: OutgoingMessage = { key: EMPTY, value: EMPTY, headers };
  const map: HeaderMap = new Map();
  for (const [name, value] of Object.entries(headers)) map.set(Buffer.from(name), keyBytes(value));
  return { payloadBytes: messageBytes(bare), recordBytes: recordBytes(bare) - RECORD_OVERHEAD_BYTES, map };
}

function headerCost(headers: Readonly<Record<string, Buffer | string>>): HeaderCost {
  if (!Object.isFrozen(headers)) return measureHeaders(headers);
  let cost = frozenCosts.get(headers);
  if (cost === undefined) {
    cost = measureHeaders(headers);
    frozenCosts.set(headers, cost);
  }
  return cost;
}

/** The messages of one publish call, ready for KafkaSender. */
export interface PreparedMessages {
  readonly messages: readonly OutgoingMessage[];
  readonly keys: readonly Buffer[];
  readonly partitions: readonly number[];
  /** recordBytes of each message (the sender's batch and request bounds). */
  readonly recordSizes: readonly number[];
  readonly headers: readonly (HeaderMap | undefined)[];
  /** Sum of messageBytes: what the in-flight bound and the stats count. */
  readonly totalBytes: number;
}

/**
 * Throws InvalidArgumentError for a message without a Buffer value, MessageTooLargeError with
 * every message over `maxMessageBytes` (as checkMessages does, with the same estimate).
 */
export function prepareMessages(topic: string, messages: readonly OutgoingMessage[], partitionCount: number, maxMessageBytes: number): PreparedMessages {
  const count = messages.length;
  const keys = new Array<Buffer>(count);
  const partitions = new Array<number>(count);
  const recordSizes = new Array<number>(count);
  const headers = new Array<HeaderMap | undefined>(count);
  let tooLarge: number[] | undefined;
  let totalBytes = 0;
  for (let i = 0; i < count; i++) {
    const message = messages[i] as OutgoingMessage;
    const value = message.value;
    if (!Buffer.isBuffer(value)) throw new InvalidArgumentError(`publish ${topic}: message ${i} has no Buffer value`);
    const key = keyBytes(message.key);
    const cost = message.headers ? headerCost(message.headers) : undefined;
    const size = RECORD_OVERHEAD_BYTES + key.length + value.length + (cost?.recordBytes ?? 0);
    if (BATCH_OVERHEAD_BYTES + size > maxMessageBytes) (tooLarge ??= []).push(i);
    keys[i] = key;
    partitions[i] = (murmur2(key) & 0x7fffffff) % partitionCount;
    recordSizes[i] = size;
    headers[i] = cost?.map;
    totalBytes += key.length + value.length + (cost?.payloadBytes ?? 0);
  }
  if (tooLarge !== undefined) throw new MessageTooLargeError(topic, tooLarge, maxMessageBytes);
  return { messages, keys, partitions, recordSizes, headers, totalBytes };
}
