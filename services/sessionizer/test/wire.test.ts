// The hand-written partial decoders against the generated full decoder.
import { decodeSpanRecord, toLong } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { SuffixMax } from '../src/partition-clock.js';
import { emptyHead, readSpanHead, readSpanIdentity } from '../src/span-head.js';
import { G_AGENT_NAME, G_ERROR_TYPE, G_LAST_USER_INPUT, G_OUTPUT_TEXT, G_REQUEST_MODEL, G_REQUESTS, G_RESULTS, G_ROLE, GenAiColumns, LIST_FIELDS, ROLE_LLM } from '../src/genai-fields.js';
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

  it('keeps where the fields assembly needs are, times exact to the nanosecond, and reads the GenAI message into columns', () => {
    const head = readSpanHead(bytes, emptyHead());
    const at = (offset: number, length: number) => bytes.toString('utf8', offset, offset + length);
    expect(at(head.traceAt, head.traceLength)).toBe(full.traceId);
    expect(at(head.spanAt, head.spanLength)).toBe(full.spanId);
    expect(at(head.parentAt, head.parentLength)).toBe(full.parentSpanId);
    expect(at(head.nameAt, head.nameLength)).toBe('chat gpt-4o-mini');
    expect(head.status).toBe(2);
    expect(head.startLo).toBe(full.startTimeUnixNano.low >>> 0);
    expect(head.startHi).toBe(full.startTimeUnixNano.high >>> 0);
    expect(head.endLo).toBe(full.endTimeUnixNano.low >>> 0);
    expect(head.endHi).toBe(full.endTimeUnixNano.high >>> 0);

    const columns = new GenAiColumns();
    columns.reset(1);
    columns.read(0, bytes, head.genAiAt, head.genAiLength);
    const col = (column: number) => at(columns.cols[column] as number, columns.cols[column + 1] as number);
    expect(columns.cols[G_ROLE]).toBe(ROLE_LLM);
    expect(col(G_REQUEST_MODEL)).toBe('gpt-4o-mini');
    expect([...columns.tokens.subarray(0, 2)]).toEqual([100, 20]);
    expect(col(G_ERROR_TYPE)).toBe('RateLimit');
    expect(col(G_AGENT_NAME)).toBe('booker');
    expect(col(G_LAST_USER_INPUT)).toBe('book a flight to Oslo');
    expect(col(G_OUTPUT_TEXT)).toBe('Let me search.');
    const entry = (list: Int32Array, index: number) => [at(list[index * LIST_FIELDS] as number, list[index * LIST_FIELDS + 1] as number), at(list[index * LIST_FIELDS + 2] as number, list[index * LIST_FIELDS + 3] as number)];
    expect([columns.cols[G_RESULTS + 1], entry(columns.results, 0)]).toEqual([1, ['call_0', 'Error: no seats']]);
    expect([columns.cols[G_REQUESTS + 1], entry(columns.requests, 0)]).toEqual([1, ['call_1', 'search_flights']]);
  });

  it('refuses truncated bytes with MalformedMessageError', () => {
    expect(() => readSpanHead(bytes.subarray(0, 60), emptyHead())).toThrow(MalformedMessageError);
    const head = readSpanHead(bytes, emptyHead());
    const columns = new GenAiColumns();
    columns.reset(1);
    expect(() => columns.read(0, bytes, head.genAiAt, head.genAiLength - 1)).toThrow(MalformedMessageError);
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
