// The embedded Protobuf path for spans (the engine reads framed SpanRecords) must store exactly
// the rows of the RowBinary path (the JavaScript transcoder), and hand everything it cannot read
// exactly to the transcoder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryBus, type Bus, type BusRecord } from '@tracebar/bus';
import type { ClickHouse } from '@tracebar/clickhouse';
import { decodeDeadLetter, encodeSpanRecord, recordHeaders, toLong, topicCatalog, type DeadLetter } from '@tracebar/proto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ByteWriter } from '../src/rows/byte-writer.js';
import { isCanonicalSpan, lengthPrefix } from '../src/rows/span-frame.js';
import { spanStorageProto, spanStorageProtoFile } from '../src/rows/span-protobuf.js';
import { spanBinaryColumns, writeSpanRowBinary } from '../src/rows/span-row-binary.js';
import { insertRows, writeSpanSchema } from '../src/store/insert-rows.js';
import { agentSpan, fullSpan, t0 } from './support/messages.js';
import { protoMessages } from './support/proto-fields.js';
import { randomSpans } from './support/random-spans.js';
import { metricValue, startSink, testConfig, waitFor } from './support/sink-harness.js';
import { bytesOf, mergedSpan, spanCases } from './support/span-cases.js';
import { count, makeTempDir, openStore } from './support/store.js';
import { topicSpecs } from './support/topics.js';

const temp = makeTempDir('protobuf');
let ch: ClickHouse;
let schema: string;
const buses: Bus[] = [];
let tables = 0;

beforeAll(async () => {
  ch = await openStore(join(temp.path, 'data'));
  schema = join(temp.path, 'data', 'format_schemas', spanStorageProtoFile);
  await writeSpanSchema(schema);
});

afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close();
});

afterAll(async () => {
  await ch.close();
  temp.remove();
});

/** Inserts records both ways, into two new tables like `spans`; returns both tables' rows. */
async function bothWays(records: readonly Buffer[]): Promise<[string[], string[]]> {
  const n = tables++;
  const [binary, framed] = [`spans_rb_${n}`, `spans_pb_${n}`];
  for (const table of [binary, framed]) await ch.client.command({ query: `CREATE TABLE ${table} AS spans` });
  const out = new ByteWriter(16);
  for (const record of records) writeSpanRowBinary(record, out);
  await insertRows(ch, binary as 'spans', { binary: [out.buf.subarray(0, out.pos)], columns: spanBinaryColumns }, `rb-${n}`);
  const pieces = records.flatMap((record) => [lengthPrefix(record.length), record]);
  await insertRows(ch, framed as 'spans', { spanRecords: pieces, schema }, `pb-${n}`);
  return [await tableText(ch, binary), await tableText(ch, framed)];
}

/**
 * A table's rows as ClickHouse prints them (TSV, one string per row): maps keep their order and
 * duplicate keys, which rows parsed from JSON would fold.
 */
async function tableText(store: ClickHouse, table: string): Promise<string[]> {
  const result = await store.client.query({ query: `SELECT * FROM ${table} ORDER BY tenant, span_id, name`, format: 'TabSeparated' });
  return (await result.text()).split('\n').filter((line) => line !== '');
}

describe('spans read by the engine from framed SpanRecords', () => {
  it('reads them with a schema wire-compatible with tracebar.v1.SpanRecord', () => {
    const protoDir = new URL('../../../proto/tracebar/v1/', import.meta.url);
    const canonical = protoMessages([readFileSync(new URL('span.proto', protoDir), 'utf8'), readFileSync(new URL('common.proto', protoDir), 'utf8')]);
    const storage = protoMessages([spanStorageProto]);
    // Fields the table has no column for; the engine skips them like unknown fields.
    const unstored = new Set(['SpanEvent.dropped_attributes_count', 'SpanLink.dropped_attributes_count', 'SpanLink.flags']);
    const walked: string[] = [];
    for (const [message, fields] of storage) {
      const original = canonical.get(message);
      expect(original, message).toBeDefined();
      for (const [name, field] of original ?? []) {
        const mine = fields.get(name);
        if (unstored.has(`${message}.${name}`)) {
          expect(mine, `${message}.${name}`).toBeUndefined();
          continue;
        }
        expect(mine && { number: mine.number, wireType: mine.wireType, repeated: mine.repeated }, `${message}.${name}`).toEqual({ number: field.number, wireType: field.wireType, repeated: field.repeated });
        if (field.type.startsWith('map<')) expect(mine?.type, `${message}.${name}`).toBe(field.type);
        walked.push(`${message}.${name}`);
      }
      expect([...fields.keys()].filter((k) => !original?.has(k))).toEqual([]);
    }
    expect(walked).toContain('GenAiToolCall.arguments');
    expect(walked.length).toBeGreaterThan(70);
  });

  it('stores the same rows as the transcoder for every row-test case', async () => {
    const canonical = spanCases.filter(([, b]) => isCanonicalSpan(b));
    expect(canonical.map(([name]) => name)).toEqual(spanCases.map(([name]) => name));
    const [binary, framed] = await bothWays(canonical.map(([, b]) => b));
    expect(framed).toHaveLength(spanCases.length);
    expect(framed).toEqual(binary);
  });

  it('stores the same rows as the transcoder for map entries without a key or a value, and odd doubles', async () => {
    // Attributes with, per map (1 string … 5 bytes), entries missing their key, their value, or both.
    const entry = (map: number, body: number[]) => [(map << 3) | 2, body.length, ...body];
    const key = (k: string) => [0x0a, k.length, ...Buffer.from(k)];
    const f64 = (bits: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(bits);
      return [...b];
    };
    const attributes = Buffer.from([
      ...entry(1, key('s')), ...entry(1, [0x12, 1, 0x76]), ...entry(1, []),
      ...entry(2, key('i')), ...entry(2, [0x10, 0x7f]),
      ...entry(3, key('d')), ...entry(3, [0x11, ...f64(0xfff8000000000000n)]), ...entry(3, [...key('neg0'), 0x11, ...f64(0x8000000000000000n)]),
      ...entry(4, key('b')), ...entry(4, [0x10, 2]),
      ...entry(5, key('y')), ...entry(5, [0x12, 2, 0xff, 0x00]),
    ]);
    const field = (number: number, payload: Buffer) => Buffer.concat([Buffer.from([((number << 3) | 2) & 0x7f | 0x80, number >> 4]), Buffer.from([payload.length]), payload]);
    const records = [16, 17, 20].map((number, i) => Buffer.concat([bytesOf({ tenant: 't', traceId: 'ab', spanId: `e${i}`, startTimeUnixNano: toLong(t0) }), field(number, attributes)]));
    const withEvent = Buffer.concat([bytesOf({ tenant: 't', traceId: 'ab', spanId: 'e3', startTimeUnixNano: toLong(t0) }), field(21, Buffer.concat([Buffer.from([0x1a, attributes.length]), attributes]))]);
    records.push(withEvent);
    expect(records.map((r) => isCanonicalSpan(r))).toEqual([true, true, true, true]);
    const [binary, framed] = await bothWays(records);
    expect(framed).toHaveLength(4);
    expect(framed).toEqual(binary);
    // The odd entries are there, in order, duplicates included (an empty key thrice in the scope map).
    expect(framed[2]).toContain("{'s':'','':'v','':'','i':'0','':'127','d':'0','':'nan','neg0':'0','b':'false','':'true','y':'','':'/wA='}");
  });

  it('stores the same rows as the transcoder for 400 random spans', async () => {
    const records = randomSpans(400, 7).map((s) => Buffer.from(encodeSpanRecord(s)));
    expect(records.filter((r) => !isCanonicalSpan(r))).toEqual([]);
    const [binary, framed] = await bothWays(records);
    expect(framed).toHaveLength(400);
    expect(framed).toEqual(binary);
  });

  it('deduplicates a replay in the other format: one token, one block, either way', async () => {
    for (const [first, second] of [['Protobuf', 'RowBinary'], ['RowBinary', 'Protobuf']] as const) {
      const table = `spans_cross_${first}`;
      await ch.client.command({ query: `CREATE TABLE ${table} AS spans` });
      const records = randomSpans(2_000, first === 'Protobuf' ? 21 : 22).map((span) => Buffer.from(encodeSpanRecord(span)));
      for (const format of [first, second]) {
        if (format === 'Protobuf') {
          await insertRows(ch, table as 'spans', { spanRecords: records.flatMap((r) => [lengthPrefix(r.length), r]), schema }, `cross-${first}`);
        } else {
          const out = new ByteWriter(16);
          for (const record of records) writeSpanRowBinary(record, out);
          await insertRows(ch, table as 'spans', { binary: [out.buf.subarray(0, out.pos)], columns: spanBinaryColumns }, `cross-${first}`);
        }
      }
      expect(await count(ch, table)).toBe(2_000);
    }
  });

  it('leaves to the transcoder every record not in canonical shape or not storable', () => {
    const good = bytesOf(fullSpan(0));
    const withoutScope = bytesOf({ ...fullSpan(0), scopeAttributes: undefined });
    const tag = (field: number, wireType: number) => Buffer.from([(field << 3) | wireType]);
    const str = (field: number, text: string) => Buffer.concat([tag(field, 2), Buffer.from([text.length]), Buffer.from(text)]);
    const odd: [string, Buffer][] = [
      ['merged encodings (a string and gen_ai given twice)', mergedSpan],
      ['a string field given twice', Buffer.concat([good, str(7, 'again')])],
      ['scope attributes given twice', Buffer.concat([good, bytesOf({ scopeAttributes: { stringValues: { k: 'v' } } })])],
      // scope_attributes (20) = { int_values: { a: 1 }, string_values: { b: '' } }
      ['scope attributes out of field order', Buffer.concat([withoutScope, Buffer.from([0xa2, 0x01, 14, 0x12, 5, 0x0a, 1, 0x61, 0x10, 1, 0x0a, 5, 0x0a, 1, 0x62, 0x12, 0])])],
      // attributes (16) = { string_values: [entry] }, appended (a second attributes message is fine)
      ['a map entry with its value first', Buffer.concat([good, Buffer.from([0x82, 0x01, 7, 0x0a, 5, 0x12, 1, 0x76, 0x0a, 0])])],
      ['a map entry with its key twice', Buffer.concat([good, Buffer.from([0x82, 0x01, 8, 0x0a, 6, 0x0a, 1, 0x61, 0x0a, 1, 0x62])])],
      ['a tool call with its name twice', toolCallNameTwice()],
      ['a known field with another wire type', Buffer.concat([good, tag(7, 0), Buffer.from([1])])],
      ['truncated', good.subarray(0, good.length - 7)],
      ['no span id', bytesOf({ tenant: 'acme', traceId: 'ab' })],
      ['a time past 2262', bytesOf({ tenant: 'acme', traceId: 'ab', spanId: 'cd', startTimeUnixNano: toLong(2n ** 63n) })],
      ['an event time past 2262', bytesOf({ tenant: 'acme', traceId: 'ab', spanId: 'cd', events: [{ timeUnixNano: toLong(2n ** 63n) }] })],
      ['garbage', Buffer.from('definitely not protobuf')],
      ['field number 0', Buffer.concat([good, Buffer.from([0x00, 0x01])])],
    ];
    for (const [name, bytes] of odd) expect(isCanonicalSpan(bytes), name).toBe(false);
    expect(isCanonicalSpan(good)).toBe(true);
  });

  it('through the sink: the same rows, dead letters and commits as the RowBinary path, odd records included', async () => {
    const odd = [
      mergedSpan,
      Buffer.concat([bytesOf(agentSpan({ sessionKey: 'odd', index: 1 })), Buffer.from([0x3a, 1, 0x78])]), // name given twice
      bytesOf({ tenant: 'acme', traceId: 'ab' }), // no span id: SCHEMA_INVALID
      Buffer.from('definitely not protobuf'), // DECODE_FAILED
    ];
    const records = [...spanCases.map(([, b]) => b), ...randomSpans(150, 11).map((s) => Buffer.from(encodeSpanRecord(s))), ...odd];
    const results: { rows: string[]; dead: [number, string][]; transcoded: number }[] = [];
    for (const spanFormat of ['RowBinary', 'auto'] as const) {
      const store = await openStore(join(temp.path, 'data'), `sink_${spanFormat === 'auto' ? 'pb' : 'rb'}`);
      try {
        const bus = createMemoryBus();
        buses.push(bus);
        const config = testConfig({ topics: ['spans'], maxBatchRows: 60 });
        await bus.ensureTopics(topicSpecs(config));
        const dead: DeadLetter[] = [];
        await bus.subscribe({ group: 'dl-reader', topics: [config.topics.deadLetter.name], handler: async (batch) => void dead.push(...batch.records.map((r: BusRecord) => decodeDeadLetter(r.value))) });
        const { sink, registry } = startSink(config, bus, store, { spanFormat, spanProtobufMinRows: 1 });
        await sink.start();
        // One partition, so that both runs cut the same ranges.
        await bus.publish(
          config.topics.spans.name,
          records.map((value) => ({ key: Buffer.from('acme/one'), value, headers: recordHeaders(topicCatalog.spans), partition: 0 })),
        );
        await waitFor('every row and dead letter', async () => (await count(store, 'spans')) === records.length - 2 && dead.length === 2);
        await sink.shutdown(AbortSignal.timeout(10_000));
        results.push({
          rows: await tableText(store, 'spans'),
          dead: dead.map((d) => [Number(d.offset), d.errorCode]),
          transcoded: await metricValue(registry, 'tracebar_sink_transcoded_rows_total'),
        });
      } finally {
        await store.close();
      }
    }
    const [binary, framed] = results;
    expect(framed?.rows).toHaveLength(records.length - 2);
    expect(framed?.rows).toEqual(binary?.rows);
    expect(framed?.dead.sort()).toEqual(binary?.dead.sort());
    expect(framed?.dead.map(([, code]) => code).sort()).toEqual(['DECODE_FAILED', 'SCHEMA_INVALID']);
    // The two odd-but-valid records went through the transcoder, with the rest of their range.
    expect(framed?.transcoded).toBeGreaterThanOrEqual(2);
    expect(framed?.transcoded).toBeLessThan(records.length / 2);
    expect(binary?.transcoded).toBe(0);
  });

  it('inserts small batches as RowBinary: the engine plans a Protobuf insert at a fixed cost', async () => {
    const store = await openStore(join(temp.path, 'data'), 'sink_small');
    try {
      const bus = createMemoryBus();
      buses.push(bus);
      const config = testConfig({ topics: ['spans'] });
      await bus.ensureTopics(topicSpecs(config));
      const { sink, registry } = startSink(config, bus, store, { spanProtobufMinRows: 100 });
      await sink.start();
      const publish = (from: number, n: number) =>
        bus.publish(config.topics.spans.name, Array.from({ length: n }, (_, i) => ({ key: Buffer.from('acme/small'), value: bytesOf(agentSpan({ sessionKey: 'small', index: from + i })), partition: 0 })));
      await publish(0, 30);
      await waitFor('the small batch', async () => (await count(store, 'spans')) === 30);
      expect(await metricValue(registry, 'tracebar_sink_transcoded_rows_total', { reason: 'small' })).toBe(30);
      await publish(30, 150);
      await waitFor('the large batch', async () => (await count(store, 'spans')) === 180);
      expect(await metricValue(registry, 'tracebar_sink_transcoded_rows_total')).toBe(30);
      await sink.shutdown(AbortSignal.timeout(10_000));
    } finally {
      await store.close();
    }
  });
});

/** A span whose only tool call carries its name twice (hand-encoded: encoders never do this). */
function toolCallNameTwice(): Buffer {
  const toolCall = Buffer.from([0x0a, 1, 0x61, 0x12, 1, 0x6e, 0x12, 1, 0x6d]); // id "a", name "n", name "m"
  const message = Buffer.concat([Buffer.from([0x1a, toolCall.length]), toolCall]); // tool_calls = 3
  const genAi = Buffer.concat([Buffer.from([0x82, 0x01, message.length]), message]); // input_messages = 16
  const span = Buffer.concat([Buffer.from([0xba, 0x01, genAi.length]), genAi]); // gen_ai = 23
  return Buffer.concat([bytesOf({ tenant: 'acme', traceId: 'ab', spanId: 'cd' }), span]);
}
