// Publishes closed sessions in order, in calls small enough for the bus's in-flight bound.
import { MessageTooLargeError, type Bus, type OutgoingMessage } from '@tracebar/bus';
import { recordHeaders, topicCatalog } from '@tracebar/proto';
import type { Emission } from './sessionizer-core.js';

const headers = Object.freeze(recordHeaders(topicCatalog.sessions));

export interface PublishOutcome {
  records: number;
  /** Records the bus refused permanently (over the topic's limit even as a part). */
  tooLarge: number;
}

/**
 * Resolves once every record is durable. Parts of a session and revisions of a key keep their
 * order: one call at a time, each in order. A retryable failure rejects (the caller retries
 * everything; a duplicate record is deduplicated downstream by identity and digest).
 */
export async function publishSessions(bus: Bus, topic: string, emissions: readonly Emission[], chunkBytes: number, signal?: AbortSignal): Promise<PublishOutcome> {
  const outcome: PublishOutcome = { records: 0, tooLarge: 0 };
  let chunk: OutgoingMessage[] = [];
  let chunkSize = 0;
  const send = async () => {
    if (chunk.length === 0) return;
    let messages = chunk;
    chunk = [];
    chunkSize = 0;
    for (;;) {
      try {
        await bus.publish(topic, messages, signal ? { signal } : undefined);
        outcome.records += messages.length;
        return;
      } catch (error) {
        // Nothing of the call was written; leave out what can never fit and send the rest.
        if (!(error instanceof MessageTooLargeError) || error.indexes.length === 0) throw error;
        const refused = new Set(error.indexes);
        outcome.tooLarge += refused.size;
        messages = messages.filter((_, index) => !refused.has(index));
        if (messages.length === 0) return;
      }
    }
  };
  for (const emission of emissions) {
    for (const value of emission.values) {
      if (chunkSize > 0 && chunkSize + value.length > chunkBytes) await send();
      chunk.push({ key: emission.key, value, headers });
      chunkSize += value.length + emission.key.length;
    }
  }
  await send();
  return outcome;
}
