// The hand-written partial decoders against the generated full decoder.
import { decodeSpanRecord, toLong } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { SuffixMax } from '../src/partition-clock.js';
import { emptyHead, readSpanHead, readSpanIdentity } from '../src/span-head.js';
import { readSpanView, text } from '../src/span-view.js';
import { MalformedMessageError } from '../src/wire-reader.js';
import { llm, spanBytes, T0_MS } from './span-fixtures.js';

describe('span head and view', () => {
  const bytes = spanBytes({
    session: 'sess-1',
    spanId: 'abc',
    parentSpanId: 'root',
    name: 'chat gpt-4o-mini',
    start: 10.5,
    end: 250,
    received: 300,
    serviceName: 'booking',
    serviceVersion: '2.0',
    sessionEnd: true,
    statusCode: 2,
    padding: 3_000,
    genAi: llm('book a flight to Oslo', 'Booked.', {
      outputMessages: [{ role: 'assistant', content: 'Let me search.', toolCalls: [{ id: 'call_1', name: 'search_flights', arguments: '{}' }] }],
      inputMessages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'answer' },
        { role: 'user', content: 'book a flight to Oslo' },
        { role: 'tool', content: 'Error: no seats', toolCallId: 'call_0' },
      ],
      errorType: 'RateLimit',
      agentName: 'booker',
      cacheReadInputTokens: toLong(5),
    }),
  });
  const full = decodeSpanRecord(bytes);

  it('reads the hot-path head exactly as the generated decoder does', () => {
    const head = readSpanHead(bytes, emptyHead());
    expect(head.startNs).toBe(full.startTimeUnixNano.toNumber());
    expect(head.endNs).toBe(full.endTimeUnixNano.toNumber());
    expect(head.receivedNs).toBe(full.receivedTimeUnixNano.toNumber());
    expect(head.startNs).toBe((T0_MS + 10.5) * 1e6);
    expect(head.sessionEnd).toBe(true);
    expect(bytes.toString('utf8', head.serviceStart, head.serviceEnd)).toBe('booking');
    expect(readSpanIdentity(bytes)).toBe(`${full.traceId}/${full.spanId}`);
  });

  it('reads what assembly needs, times exact to the nanosecond', () => {
    const view = readSpanView(bytes);
    expect(view.traceId).toBe(full.traceId);
    expect(view.spanId).toBe(full.spanId);
    expect(view.parentSpanId).toBe(full.parentSpanId);
    expect(text(view, view.name)).toBe('chat gpt-4o-mini');
    expect(text(view, view.tenant)).toBe('default');
    expect(text(view, view.sessionKey)).toBe('sess-1');
    expect(text(view, view.serviceName)).toBe('booking');
    expect(text(view, view.serviceVersion)).toBe('2.0');
    expect(view.statusCode).toBe(2);
    expect(view.startLo).toBe(full.startTimeUnixNano.low >>> 0);
    expect(view.startHi).toBe(full.startTimeUnixNano.high >>> 0);
    expect(view.endLo).toBe(full.endTimeUnixNano.low >>> 0);
    const genAi = view.genAi;
    expect(genAi?.operationName).toBe('chat');
    expect(genAi?.requestModel).toBe('gpt-4o-mini');
    expect(genAi?.inputTokens).toBe(100);
    expect(genAi?.outputTokens).toBe(20);
    expect(genAi?.errorType).toBe('RateLimit');
    expect(genAi?.agentName).toBe('booker');
    expect(text(view, genAi?.lastUserInput)).toBe('book a flight to Oslo');
    expect(genAi?.toolResults.map((r) => [r.toolCallId, text(view, r.content)])).toEqual([['call_0', 'Error: no seats']]);
    expect(genAi?.toolCallRequests).toEqual([{ id: 'call_1', name: 'search_flights' }]);
    expect(text(view, genAi?.outputText)).toBe('Let me search.');
  });

  it('refuses truncated bytes with MalformedMessageError', () => {
    expect(() => readSpanHead(bytes.subarray(0, 60), emptyHead())).toThrow(MalformedMessageError);
    expect(() => readSpanView(bytes.subarray(0, bytes.length - 3))).toThrow(MalformedMessageError);
    expect(() => readSpanHead(Buffer.from([0x0f]), emptyHead())).toThrow(MalformedMessageError);
  });
});

describe('SuffixMax', () => {
  it('answers the maximum of everything pushed at or after an offset', () => {
    const values = [5, 3, 9, 2, 2, 7, 1, 4];
    const max = new SuffixMax();
    values.forEach((value, offset) => max.push(offset, value));
    for (let from = 0; from <= values.length; from++) {
      expect(max.since(from)).toBe(from < values.length ? Math.max(...values.slice(from)) : -Infinity);
    }
    // Rising clocks keep one entry.
    const rising = new SuffixMax();
    for (let i = 0; i < 1_000; i++) rising.push(i, i);
    expect(rising.size()).toBe(1);
  });

  it('still answers for offsets at or after a prune point', () => {
    const values = Array.from({ length: 500 }, (_, i) => (i * 7919) % 101);
    const max = new SuffixMax();
    values.forEach((value, offset) => max.push(offset, value));
    max.prune(300);
    for (let from = 300; from < values.length; from += 13) expect(max.since(from)).toBe(Math.max(...values.slice(from)));
  });
});
