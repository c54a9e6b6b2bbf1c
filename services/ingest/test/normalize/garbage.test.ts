// Bad input never crashes: every corrupted body either fails to decode with OtlpDecodeError or
// decodes to something the normalizer turns into records and rejections without throwing.
import { Buffer } from 'node:buffer';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '../../src/decode/decode-otlp-json.js';
import { decodeOtlpProtobuf } from '../../src/decode/decode-otlp-protobuf.js';
import { OtlpDecodeError } from '../../src/decode/otlp-decode-error.js';
import type { OtlpTraceRequest } from '../../src/span-batch.js';
import { normalize, sdkSpans, SpanKind } from './support.js';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const spans = sdkSpans((tracer) => {
  for (let i = 0; i < 3; i++) {
    const span = tracer.startSpan(`chat ${i}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'hello there' }] }]),
        'llm.input_messages.0.message.role': 'user',
        'session.id': `s-${i}`,
        tags: ['a', 'b'],
        n: i,
      },
    });
    span.addEvent('gen_ai.choice', { 'message.content': 'hi', finish_reason: 'stop' });
    span.end();
  }
});

function decodeOrNull(decode: () => OtlpTraceRequest): OtlpTraceRequest | null {
  try {
    return decode();
  } catch (error) {
    expect(error).toBeInstanceOf(OtlpDecodeError);
    return null;
  }
}

describe('corrupted input', () => {
  it('never throws anything but OtlpDecodeError from protobuf, and the normalizer never throws', () => {
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) ?? []);
    const next = random(7);
    let decoded = 0;
    for (let round = 0; round < 400; round++) {
      const mutated = Buffer.from(body);
      const flips = 1 + Math.floor(next() * 4);
      for (let i = 0; i < flips; i++) mutated[Math.floor(next() * mutated.length)] = Math.floor(next() * 256);
      const cut = next() < 0.3 ? Math.floor(next() * mutated.length) : mutated.length;
      const request = decodeOrNull(() => decodeOtlpProtobuf(mutated.subarray(0, cut)));
      if (request === null) continue;
      decoded++;
      const result = normalize(request);
      expect(result.spans.length + result.rejectedSpans).toBeGreaterThanOrEqual(0);
    }
    expect(decoded).toBeGreaterThan(0);
  });

  it('never throws anything but OtlpDecodeError from JSON, and the normalizer never throws', () => {
    const text = Buffer.from(JsonTraceSerializer.serializeRequest(spans) ?? []).toString('utf8');
    const next = random(11);
    const replacements = ['null', '1', '"x"', '[]', '{}', 'true', '-1', '"ZZ"', '1e400', '"9223372036854775808"'];
    let decoded = 0;
    for (let round = 0; round < 400; round++) {
      // Replace one JSON value (after a colon) with something of another type.
      const colons = [...text.matchAll(/:/g)].map((match) => match.index ?? 0);
      const at = colons[Math.floor(next() * colons.length)] ?? 0;
      const end = text.slice(at + 1).search(/[,}\]]/);
      const mutated = `${text.slice(0, at + 1)}${replacements[Math.floor(next() * replacements.length)]}${text.slice(at + 1 + Math.max(end, 0))}`;
      const request = decodeOrNull(() => decodeOtlpJson(mutated));
      if (request === null) continue;
      decoded++;
      normalize(request);
    }
    expect(decoded).toBeGreaterThan(0);
  });
});
