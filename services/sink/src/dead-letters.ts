// Records no retry can fix go to the dead-letter topic, wrapped with why, so that their
// partition moves on. Publishing is awaited: a record is committed past only once its dead
// letter is durable.
import { MessageTooLargeError, type Bus, type BusRecord, type OutgoingMessage } from '@tracebar/bus';
import { encodeDeadLetter, recordHeaders, toLong, topicCatalog } from '@tracebar/proto';

/** The sink's error codes (DeadLetter.error_code). */
export type DeadLetterCode =
  /** The value is not a message of the topic's type (bad protobuf, bad JSON). */
  | 'DECODE_FAILED'
  /** It decodes, but breaks a rule the tables rely on (no tenant, a time past 2262, wrong schema header). */
  | 'SCHEMA_INVALID'
  /** ClickHouse refused its rows (parse or conversion error), alone in its own insert. */
  | 'ROW_REJECTED';

export interface DeadLetterEntry {
  readonly record: BusRecord;
  readonly code: DeadLetterCode;
  readonly message: string;
  readonly attempts: number;
}

export interface DeadLetterPublisher {
  publish(entries: readonly DeadLetterEntry[]): Promise<void>;
}

const headers = recordHeaders(topicCatalog.deadLetter);

export function createDeadLetterPublisher(bus: () => Bus, topic: string, group: string): DeadLetterPublisher {
  const message = (entry: DeadLetterEntry, keepValue: boolean): OutgoingMessage => {
    const { record } = entry;
    const value = encodeDeadLetter({
      topic: record.topic,
      partition: record.partition,
      offset: toLong(record.offset),
      key: record.key,
      value: keepValue ? record.value : new Uint8Array(0),
      headers: Object.entries(record.headers).map(([key, v]) => ({ key, value: v })),
      timestampUnixMs: toLong(record.timestamp),
      errorCode: entry.code,
      errorMessage: keepValue ? entry.message : `${entry.message} (original value of ${record.value.length} bytes left out: too large for the dead-letter topic)`,
      consumerGroup: group,
      service: 'sink',
      deadLetteredTimeUnixNano: toLong(BigInt(Date.now()) * 1_000_000n),
      attempts: entry.attempts,
    });
    return { key: record.key, value: Buffer.from(value.buffer, value.byteOffset, value.byteLength), headers };
  };

  return {
    async publish(entries) {
      if (entries.length === 0) return;
      try {
        await bus().publish(topic, entries.map((e) => message(e, true)));
      } catch (error) {
        if (!(error instanceof MessageTooLargeError)) throw error;
        // Nothing of the call was published: send again, without the values that do not fit.
        const tooLarge = new Set(error.indexes);
        await bus().publish(topic, entries.map((e, i) => message(e, !tooLarge.has(i))));
      }
    },
  };
}
