import { Producer, type ProducerOptions } from '@platformatic/kafka';
import type { BusError } from '../errors.js';
import { BATCH_OVERHEAD_BYTES } from '../message-size.js';
import type { OutgoingMessage } from '../types.js';
import { toBusError } from './kafka-errors.js';
import type { HeaderMap, PreparedMessages } from './kafka-messages.js';

type BufferProducer = Producer<Buffer, Buffer, Buffer, Buffer>;
type ProducerSettings = ProducerOptions<Buffer, Buffer, Buffer, Buffer>;

interface Pending {
  topic: string;
  prepared: PreparedMessages;
  maxMessageBytes: number;
  /** Index of the first message not yet in a request. */
  next: number;
  resolve: () => void;
  reject: (error: BusError) => void;
}

/**
 * Sends publish calls to Kafka one produce request at a time, packing whatever has queued
 * meanwhile into the next request. One request in flight is what the idempotent producer needs
 * to keep sequence numbers right (@platformatic/kafka 1.35 fails, or drops, concurrent idempotent
 * sends); packing keeps throughput. Each partition's share of a request stays under the topic's
 * max.message.bytes, which Kafka applies to the whole record batch, not to single messages.
 */
export class KafkaSender {
  readonly #settings: ProducerSettings;
  readonly #maxRequestBytes: number;
  readonly #queue: Pending[] = [];
  #producer: BufferProducer;
  #draining: Promise<void> | undefined;
  requests = 0;

  constructor(settings: ProducerSettings, maxRequestBytes: number) {
    this.#settings = settings;
    this.#maxRequestBytes = maxRequestBytes;
    this.#producer = new Producer(settings);
  }

  /** Resolves once every message is acknowledged by all in-sync replicas. */
  send(topic: string, prepared: PreparedMessages, maxMessageBytes: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ topic, prepared, maxMessageBytes, next: 0, resolve, reject });
      this.#draining ??= this.#drain().finally(() => (this.#draining = undefined));
    });
  }

  /** Waits for queued publishes, then closes the connection. */
  async close(): Promise<void> {
    await this.#draining;
    await this.#producer.close().catch(() => undefined);
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) await this.#sendOne();
  }

  async #sendOne(): Promise<void> {
    const records: { topic: string; partition: number; key: Buffer; value: Buffer; headers?: HeaderMap }[] = [];
    const involved: Pending[] = [];
    /** Bytes of each partition's batch in this request, per topic. */
    const batchBytes = new Map<string, number[]>();
    let requestBytes = 0;
    fill: for (const pending of this.#queue) {
      const { messages, keys, partitions, recordSizes, headers } = pending.prepared;
      let batches = batchBytes.get(pending.topic);
      if (batches === undefined) batchBytes.set(pending.topic, (batches = []));
      while (pending.next < messages.length) {
        const i = pending.next;
        const partition = partitions[i] as number;
        const size = recordSizes[i] as number;
        const batch = batches[partition] ?? BATCH_OVERHEAD_BYTES;
        if (records.length > 0 && (batch + size > pending.maxMessageBytes || requestBytes + size > this.#maxRequestBytes)) break fill;
        batches[partition] = batch + size;
        requestBytes += size;
        const map = headers[i];
        const message = messages[i] as OutgoingMessage;
        records.push(map === undefined ? { topic: pending.topic, partition, key: keys[i] as Buffer, value: message.value } : { topic: pending.topic, partition, key: keys[i] as Buffer, value: message.value, headers: map });
        if (involved.at(-1) !== pending) involved.push(pending);
        pending.next++;
      }
    }
    try {
      this.requests++;
      await this.#producer.send({ messages: records });
      while (this.#queue[0] && this.#queue[0].next === this.#queue[0].prepared.messages.length) this.#queue.shift()?.resolve();
    } catch (error) {
      for (const pending of involved) {
        this.#queue.splice(this.#queue.indexOf(pending), 1);
        pending.reject(toBusError(error, pending.topic));
      }
      // After any failed request the client's sequence numbers may disagree with the broker's
      // (a timed-out batch may still have been written); a fresh producer id starts clean.
      const old = this.#producer;
      this.#producer = new Producer(this.#settings);
      await old.close().catch(() => undefined);
    }
  }
}
