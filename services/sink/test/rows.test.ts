import { join } from 'node:path';
import { SessionRecord, SpanRecord, decodeSessionRecord, decodeSpanRecord, encodeSessionRecord, toLong, type ISpanRecord } from '@tracebar/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouse } from '@tracebar/clickhouse';
import { RecordRejectedError, spanRecordJson, spanRow, topicDecoders } from '../src/index.js';
import { nanosText } from '../src/rows/clickhouse-values.js';
import { jsonRow } from '../src/rows/json-row.js';
import { ByteWriter } from '../src/rows/byte-writer.js';
import { spanBinaryColumns, writeSpanRowBinary } from '../src/rows/span-row-binary.js';
import { insertRows } from '../src/store/insert-rows.js';
import { decodeSessionWithoutSpans, sessionRow } from '../src/rows/session-row.js';
import { agentSpan, chTime, fullSpan, sessionRecord, t0 } from './support/messages.js';
import { bytesOf, mergedSpan, spanCases } from './support/span-cases.js';
import { makeTempDir, openStore, rows } from './support/store.js';

const temp = makeTempDir('rows');
let ch: ClickHouse;

beforeAll(async () => {
  ch = await openStore(join(temp.path, 'data'));
});

afterAll(async () => {
  await ch.close();
  temp.remove();
});

function rejection(run: () => unknown): RecordRejectedError {
  try {
    run();
  } catch (error) {
    if (error instanceof RecordRejectedError) return error;
    throw error;
  }
  throw new Error('expected a RecordRejectedError');
}

describe('timestamps as DateTime64(9) text', () => {
  const exact = (ns: bigint) => ns.toString();
  const halves = (ns: bigint): [number, number] => [Number(ns & 0xffffffffn), Number(ns >> 32n)];

  it('matches exact BigInt arithmetic on edges and 20,000 random values', () => {
    const values = [1n, 999_999_999n, 1_000_000_000n, 0xffffffffn, 0x100000000n, 1_732_000_000_123_456_789n, 2n ** 63n - 1n];
    for (let i = 0; i < 20_000; i++) values.push(BigInt(Math.floor(Math.random() * 2 ** 31)) * 2n ** 32n + BigInt(Math.floor(Math.random() * 2 ** 32)));
    for (const value of values) {
      const [lo, hi] = halves(value);
      expect(nanosText(lo, hi, 't')).toBe(exact(value));
    }
    expect(nanosText(0, 0, 't')).toBe('0');
    expect(nanosText(5, 0, 't')).toBe('5');
  });

  it('refuses a time past the DateTime64(9) range', () => {
    const [lo, hi] = halves(2n ** 63n);
    expect(() => nanosText(lo, hi, 'start_time_unix_nano')).toThrow(/past 2262/);
  });
});

describe('span rows: the one-pass transcoder and the decoded-object path agree in ClickHouse', () => {
  const merged = mergedSpan;
  const cases = spanCases;

  it('writes identical rows for every case', async () => {
    await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS spans_fast AS spans' });
    await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS spans_ref AS spans' });
    const fast = cases.map(([, b]) => spanRecordJson(b));
    const reference = cases.map(([, b]) => jsonRow(spanRow(SpanRecord.toObject(decodeSpanRecord(b), { defaults: false }) as ISpanRecord)));
    for (const [table, lines] of [['spans_fast', fast], ['spans_ref', reference]] as const) {
      await ch.client.command({ query: `INSERT INTO ${table} FORMAT JSONEachRow\n${lines.join('\n')}` });
    }
    const read = (table: string) => rows(ch, `SELECT * FROM ${table} ORDER BY span_id, name`);
    const [a, b] = [await read('spans_fast'), await read('spans_ref')];
    expect(a).toHaveLength(cases.length);
    expect(a).toEqual(b);
  });

  it('writes the same rows in RowBinary (the sink\'s format for spans) as in JSON', async () => {
    await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS spans_binary AS spans' });
    const out = new ByteWriter(16);
    for (const [, b] of cases) writeSpanRowBinary(b, out);
    await insertRows(ch, 'spans_binary' as 'spans', { binary: [out.buf.subarray(0, out.pos)], columns: spanBinaryColumns }, 'binary-rows');
    const read = (table: string) => rows(ch, `SELECT * FROM ${table} ORDER BY span_id, name`);
    const binary = await read('spans_binary');
    expect(binary).toHaveLength(cases.length);
    expect(binary).toEqual(await read('spans_fast'));
  });

  it('keeps values exactly: ns times, int64 extremes, nan/inf, bytes, escapes, optional tokens', async () => {
    const [row] = await rows<Record<string, unknown>>(
      ch,
      `SELECT toString(start_time) AS start, duration_ns, attributes_int, attributes_double, attributes_bytes, attributes_string,
              gen_ai_input_tokens, gen_ai_output_tokens, gen_ai_total_tokens, gen_ai_cache_read_input_tokens, event_times, scope_attributes,
              gen_ai_input_messages, kind, status_code
       FROM spans_fast WHERE span_id = 'eee19b7ec3c1b100'`,
    );
    expect(row).toMatchObject({
      start: chTime(t0),
      duration_ns: '500000',
      attributes_int: { 'span.int': '-42', 'span.big': '9007199254740993', 'span.min': '-9223372036854775808' },
      attributes_bytes: { 'span.bytes': Buffer.from([0, 1, 254, 255]).toString('base64') },
      attributes_string: { 'span.text': 'héllo ✓ "quoted"\nline\t\\ \u0001', 'llm.input_messages.0.message.role': 'user' },
      gen_ai_input_tokens: '1234',
      gen_ai_output_tokens: '0',
      gen_ai_total_tokens: '9007199254740993',
      gen_ai_cache_read_input_tokens: '-1',
      kind: 'client',
      status_code: 'error',
    });
    expect(row?.['attributes_double']).toMatchObject({ 'span.double': 0.25 });
    const [special] = await rows(ch, "SELECT isNaN(attributes_double['span.nan']) AS nan, attributes_double['span.inf'] = -inf AS neg_inf FROM spans_fast WHERE span_id = 'eee19b7ec3c1b100'");
    expect(special).toEqual({ nan: 1, neg_inf: 1 });
    expect(row?.['event_times']).toEqual([chTime(t0 + 10n), chTime(t0 + 20n)]);
    expect(row?.['scope_attributes']).toMatchObject({ 'scope.int': '-42', 'scope.bool': 'true', 'scope.double': '0.25' });
    expect(row?.['gen_ai_input_messages']).toHaveLength(3);

    const [minimal] = await rows<Record<string, unknown>>(ch, "SELECT gen_ai_input_tokens, kind, status_code, session_key_source FROM spans_fast WHERE span_id = 'ce'");
    expect(minimal).toEqual({ gen_ai_input_tokens: null, kind: '9', status_code: '7', session_key_source: '12' });
  });

  it('merges a message given twice as protobuf specifies (the generated decoder replaces it instead)', async () => {
    await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS spans_merged AS spans' });
    await ch.client.command({ query: `INSERT INTO spans_merged FORMAT JSONEachRow\n${spanRecordJson(merged)}` });
    const [row] = await rows(
      ch,
      "SELECT name, attributes_string, attributes_int, gen_ai_request_model, gen_ai_response_model, length(gen_ai_input_messages) AS messages FROM spans_merged WHERE span_id = {id:String}",
      { id: decodeSpanRecord(merged).spanId },
    );
    expect(row).toEqual({
      name: 'renamed',
      attributes_string: { 'session.id': 'merge', extra: 'x' },
      attributes_int: { 'http.response.status_code': '200' },
      gen_ai_request_model: 'gpt-4o',
      gen_ai_response_model: 'gpt-4o-2024',
      messages: '1',
    });
  });

  it('rejects malformed bytes as DECODE_FAILED and rows the tables cannot hold as SCHEMA_INVALID', () => {
    const good = bytesOf(fullSpan(0));
    expect(rejection(() => spanRecordJson(good.subarray(0, good.length - 7))).code).toBe('DECODE_FAILED');
    expect(rejection(() => spanRecordJson(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]))).code).toBe('DECODE_FAILED');
    expect(rejection(() => spanRecordJson(Buffer.from([0x08, 0x01]))).code).toBe('DECODE_FAILED'); // tenant as a varint
    expect(rejection(() => spanRecordJson(Buffer.from('not protobuf at all'))).code).toBe('DECODE_FAILED');
    expect(rejection(() => spanRecordJson(bytesOf({ tenant: 'acme', traceId: 'ab' }))).code).toBe('SCHEMA_INVALID');
    const farFuture = bytesOf({ tenant: 'acme', traceId: 'ab', spanId: 'cd', startTimeUnixNano: toLong(2n ** 63n) });
    expect(rejection(() => spanRecordJson(farFuture)).message).toMatch(/start_time_unix_nano is past 2262/);
    // The RowBinary writer refuses the same records, and writes nothing for them.
    const out = new ByteWriter(16);
    for (const bad of [good.subarray(0, good.length - 7), Buffer.from([0x08, 0x01]), bytesOf({ tenant: 'acme', traceId: 'ab' }), farFuture]) {
      expect(() => writeSpanRowBinary(bad, out)).toThrow(RecordRejectedError);
    }
    expect(out.pos).toBe(0);
  });
});

describe('session rows', () => {
  it('decodes a session without its spans, to the same summary and turns', () => {
    const spans = Array.from({ length: 30 }, (_, i) => agentSpan({ sessionKey: 'big', index: i }));
    const bytes = Buffer.from(encodeSessionRecord(sessionRecord({ sessionKey: 'big', spans })));
    const stripped = decodeSessionWithoutSpans(bytes);
    const full = decodeSessionRecord(bytes);
    expect(full.spans).toHaveLength(30);
    expect(stripped.spans).toHaveLength(0);
    expect(SessionRecord.toObject(stripped)).toEqual({ ...SessionRecord.toObject(full), spans: undefined });
    expect(sessionRow(stripped)).toMatchObject({ tenant: 'acme', session_key: 'big', revision: 1, span_count: 10, close_reason: 'idle' });
  });

  it('writes one row per revision from part 0 only', () => {
    const decode = (partIndex: number) => topicDecoders.sessions.decode(Buffer.from(encodeSessionRecord(sessionRecord({ sessionKey: 'split', partIndex, partCount: 2 }))), new ByteWriter());
    expect(decode(0)).toHaveLength(1);
    expect(decode(1)).toEqual([]);
  });

  it('rejects a session without a revision', () => {
    const bytes = Buffer.from(encodeSessionRecord({ ...sessionRecord({ sessionKey: 'x' }), revision: 0 }));
    expect(rejection(() => topicDecoders.sessions.decode(bytes, new ByteWriter())).code).toBe('SCHEMA_INVALID');
  });
});
