// Publishes normalized spans to the spans topic and resolves only when the bus holds them.
// Messages the bus refuses as too large are dropped (and reported), the rest published once.
import { MessageTooLargeError, type Bus, type OutgoingMessage } from '@tracebar/bus';
import { recordHeaders, topicCatalog } from '@tracebar/proto';
import type { NormalizedSpan } from './span-batch.js';

export interface PublishedSpans {
  spans: number;
  /** Bytes of the published record values. */
  bytes: number;
  /** Spans whose record is over the topic's max.message.bytes. */
  tooLarge: number;
}

export interface PublishSpansOptions {
  topic: string;
  /** Upper bound of one publish call; a larger request goes out in consecutive calls. */
  maxCallBytes: number;
  /** Aborts waiting for room on the bus (the exporter went away). */
  signal?: AbortSignal;
}

// Buffers, made once, and frozen: the Kafka bus measures a frozen headers object and builds its
// produce form once, instead of for every record.
const spanHeaders: Readonly<Record<string, Buffer>> = Object.freeze(
  Object.fromEntries(Object.entries(recordHeaders(topicCatalog.spans)).map(([name, value]) => [name, Buffer.from(value)])),
);

/** Throws what the bus throws, except MessageTooLargeError (those spans are counted instead). */
export async function publishSpans(bus: Bus, spans: readonly NormalizedSpan[], options: PublishSpansOptions): Promise<PublishedSpans> {
  const result: PublishedSpans = { spans: 0, bytes: 0, tooLarge: 0 };
  for (const chunk of chunks(spans, options.maxCallBytes)) {
    let messages: OutgoingMessage[] = chunk.map((span) => ({ key: span.key, value: span.value, headers: spanHeaders }));
    while (messages.length > 0) {
      try {
        await bus.publish(options.topic, messages, options.signal ? { signal: options.signal } : undefined);
        break;
      } catch (error) {
        if (!(error instanceof MessageTooLargeError)) throw error;
        // Nothing of the call was published: drop the oversized ones and send the rest again.
        const drop = new Set(error.indexes);
        result.tooLarge += drop.size;
        messages = messages.filter((_, i) => !drop.has(i));
      }
    }
    result.spans += messages.length;
    for (const message of messages) result.bytes += message.value.length;
  }
  return result;
}

function chunks(spans: readonly NormalizedSpan[], maxBytes: number): (readonly NormalizedSpan[])[] {
  let total = 0;
  for (const span of spans) total += span.value.length + span.key.length;
  if (total <= maxBytes) return [spans];
  const out: NormalizedSpan[][] = [];
  let current: NormalizedSpan[] = [];
  let bytes = 0;
  for (const span of spans) {
    const size = span.value.length + span.key.length;
    if (current.length > 0 && bytes + size > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(span);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
