// Feeding the core directly: records with offsets, settings from a config fragment.
import { configSchema } from '@tracebar/config';
import { decodeSessionRecord, type SessionRecord } from '@tracebar/proto';
import type { CoreRecord, Emission } from '../src/sessionizer-core.js';
import { resolveSettings, type SessionizerSettings } from '../src/config.js';
import { spanBytes, spanKey, type SpanSpec } from './span-fixtures.js';

export function testSettings(sessionizer: Record<string, unknown>, extra: Record<string, unknown> = {}): SessionizerSettings {
  return resolveSettings(configSchema.parse({ sessionizer, ...extra }));
}

/** Hands out consecutive offsets per partition. */
export class Log {
  readonly #next = new Map<number, number>();

  record(spec: SpanSpec, partition = 0): CoreRecord {
    const offset = this.#next.get(partition) ?? 0;
    this.#next.set(partition, offset + 1);
    return { offset, key: Buffer.from(spanKey(spec)), value: spanBytes(spec), timestamp: 0 };
  }

  records(specs: readonly SpanSpec[], partition = 0): CoreRecord[] {
    return specs.map((spec) => this.record(spec, partition));
  }
}

export interface Emitted {
  key: string;
  revision: number;
  closeReason: number;
  record: SessionRecord;
  /** Span ids in order, without leading zeros. */
  spans: string[];
}

export function emitted(emissions: readonly Emission[]): Emitted[] {
  return emissions.map((emission) => {
    const record = decodeSessionRecord(emission.values[0] as Buffer);
    return {
      key: emission.key.toString(),
      revision: emission.revision,
      closeReason: emission.closeReason,
      record,
      spans: record.spans.map((span) => span.spanId.replace(/^0+/, '')),
    };
  });
}

/** A small seeded PRNG (mulberry32), so a failing random case can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
