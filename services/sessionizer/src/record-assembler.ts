// A closed session's record, written as bytes: spans in order without repeats, turns, and the
// summary. Everything here is a pure function of the spans (in log order) and the close facts,
// so a session re-read after a restart assembles to the same bytes.
//
// The header is written field by field as the generated encoder would write the same record
// (session-encoder.ts splices the spans in after it). No span is decoded into an object: the
// positions its head gave at absorb time (span-store.ts rows), a pass over its GenAI message
// (genai-fields.ts) and byte ranges are enough; strings are made only for the texts of turns.
import { parseSessionRecordKey, type CloseReason } from '@tracebar/proto';
import { bytesEqual, compareBytes, hashBytes, RangeMap } from './byte-ranges.js';
import { G_AGENT_NAME, G_FIELDS, G_OUTPUT_TEXT, GenAiColumns } from './genai-fields.js';
import { ProtoWriter } from './proto-writer.js';
import {
  ROW_AT,
  ROW_CHUNK,
  ROW_END,
  ROW_END_HI,
  ROW_END_LO,
  ROW_FIELDS,
  ROW_GEN_AI_AT,
  ROW_GEN_AI_LENGTH,
  ROW_SPAN_AT,
  ROW_SPAN_LENGTH,
  ROW_START_HI,
  ROW_START_LO,
  ROW_STATUS,
  ROW_TRACE_AT,
  ROW_TRACE_LENGTH,
  type StoredSpans,
} from './span-store.js';
import { boundedText, TurnBuilder, type TurnBuild, type TurnTotals } from './turns.js';
import { WIRE_LENGTH_DELIMITED, WIRE_VARINT, WireReader } from './wire-reader.js';

export interface CloseFacts {
  /** The Kafka key `<tenant>/<session key>`: the identity when a span leaves its own fields empty. */
  key: string;
  revision: number;
  closeReason: CloseReason;
  truncated: boolean;
  evicted: boolean;
  truncatedSpans: number;
}

/**
 * A session's record without its digest: `head` (fields 1-4) and `body` (9-13) as the generated
 * encoder writes them, and the spans to follow as field 14, in order. Views of the assembler's
 * buffers and of the session's chunks: valid until the assembler's next call and the session's
 * release.
 */
export interface AssembledRecord {
  head: Buffer;
  body: Buffer;
  /** Length of body's close facts (fields 9-11), which parts after the first carry alone. */
  closeFactsLength: number;
  chunks: readonly Buffer[];
  rows: Uint32Array;
  /** Row indices of the spans in record order. */
  order: Int32Array;
  /** Spans left out: repeated (trace id, span id), or not decodable. */
  duplicates: number;
  malformed: number;
}

const STATUS_ERROR = 2;

/** Writes session records; holds buffers reused from one session to the next (not reentrant). */
export class RecordAssembler {
  readonly #genAi = new GenAiColumns();
  readonly #turns = new TurnBuilder();
  readonly #head = new ProtoWriter(1_024);
  readonly #body = new ProtoWriter();
  readonly #traceIds = new RangeMap();
  #order = new Int32Array(64);
  #repeats = new Int32Array(128);

  assemble(spans: StoredSpans, facts: CloseFacts, maxTextLength: number): AssembledRecord {
    const { chunks, rows, count } = spans;
    const genAi = this.#genAi;
    genAi.reset(count);
    if (this.#order.length < count) this.#order = new Int32Array(count * 2);
    const order = this.#order;
    this.#clearRepeats(count);
    let kept = 0;
    let malformed = 0;
    let duplicates = 0;
    for (let i = 0; i < count; i++) {
      const r = i * ROW_FIELDS;
      try {
        genAi.read(i, chunks[rows[r + ROW_CHUNK] as number] as Buffer, rows[r + ROW_GEN_AI_AT] as number, rows[r + ROW_GEN_AI_LENGTH] as number);
      } catch {
        malformed++;
        continue;
      }
      if (this.#repeated(chunks, rows, i)) {
        duplicates++;
        continue;
      }
      order[kept++] = i;
    }
    sortByStart(chunks, rows, order, kept);

    const totals = this.#turns.build(chunks, rows, genAi, order, kept, maxTextLength);
    const outputs: string[] = [];
    for (const turn of totals.turns) outputs.push(this.#turnOutput(chunks, rows, turn, maxTextLength));
    this.#writeHead(chunks, rows, order, kept, facts);
    const closeFactsLength = this.#writeBody(chunks, rows, order, kept, facts, totals, outputs);
    const body = this.#body;
    const steps = this.#turns.steps;
    for (const [index, turn] of totals.turns.entries()) {
      body.fork(13);
      body.uint32Field(1, index);
      if (turn.userSpan >= 0) this.#latin1(body, 2, chunks, rows, turn.userSpan, ROW_SPAN_AT, ROW_SPAN_LENGTH);
      else body.stringField(2, '');
      body.stringField(3, turn.userInput);
      body.stringField(4, outputs[index] as string);
      body.fixed64Field(5, turn.startLo, turn.startHi);
      body.fixed64Field(6, turn.endLo, turn.endHi);
      body.raw(steps.buf, turn.stepsStart, turn.stepsEnd);
      body.ldelim();
    }
    return {
      head: this.#head.buf.subarray(0, this.#head.pos),
      body: body.buf.subarray(0, body.pos),
      closeFactsLength,
      chunks,
      rows,
      order: order.subarray(0, kept),
      duplicates,
      malformed,
    };
  }

  // --- repeats: the first occurrence (in log order) of a (trace id, span id) stays -----------

  #clearRepeats(count: number): void {
    let size = 128;
    while (size < count * 2) size *= 2;
    if (this.#repeats.length !== size) this.#repeats = new Int32Array(size);
    else this.#repeats.fill(0);
  }

  #repeated(chunks: readonly Buffer[], rows: Uint32Array, i: number): boolean {
    const r = i * ROW_FIELDS;
    const buf = chunks[rows[r + ROW_CHUNK] as number] as Buffer;
    const spanAt = rows[r + ROW_SPAN_AT] as number;
    const spanLength = rows[r + ROW_SPAN_LENGTH] as number;
    const traceAt = rows[r + ROW_TRACE_AT] as number;
    const traceLength = rows[r + ROW_TRACE_LENGTH] as number;
    const slots = this.#repeats;
    const mask = slots.length - 1;
    for (let slot = hashBytes(buf, spanAt, spanLength) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot] as number;
      if (entry === 0) {
        slots[slot] = i + 1;
        return false;
      }
      const o = (entry - 1) * ROW_FIELDS;
      const other = chunks[rows[o + ROW_CHUNK] as number] as Buffer;
      if (
        bytesEqual(other, rows[o + ROW_SPAN_AT] as number, rows[o + ROW_SPAN_LENGTH] as number, buf, spanAt, spanLength) &&
        bytesEqual(other, rows[o + ROW_TRACE_AT] as number, rows[o + ROW_TRACE_LENGTH] as number, buf, traceAt, traceLength)
      ) {
        return true;
      }
    }
  }

  // --- header: identity (1-4), then close facts, summary, turns (9-13) ------------------------

  #writeHead(chunks: readonly Buffer[], rows: Uint32Array, order: Int32Array, kept: number, facts: CloseFacts): void {
    const w = this.#head;
    w.reset();
    const first = kept > 0 ? readIdentity(chunks, rows, order[0] as number) : undefined;
    const fromKey = first && first.tenantLength > 0 && first.keyLength > 0 ? undefined : parseSessionRecordKey(facts.key);
    if (first && first.tenantLength > 0) w.utf8Field(1, first.buf, first.tenantAt, first.tenantLength);
    else w.stringField(1, fromKey?.tenant ?? '');
    if (first && first.keyLength > 0) w.utf8Field(2, first.buf, first.keyAt, first.keyLength);
    else w.stringField(2, fromKey?.sessionKey ?? '');
    w.uint32Field(3, first?.keySource ?? 0);
    w.uint32Field(4, facts.revision);
  }

  /** Close facts and summary; returns the length of the close facts. */
  #writeBody(chunks: readonly Buffer[], rows: Uint32Array, order: Int32Array, kept: number, facts: CloseFacts, totals: TurnTotals, outputs: readonly string[]): number {
    const w = this.#body;
    w.reset();
    w.uint32Field(9, facts.closeReason);
    w.boolField(10, facts.truncated);
    w.boolField(11, facts.evicted);
    const closeFactsLength = w.pos;

    const firstRow = kept > 0 ? (order[0] as number) * ROW_FIELDS : -1;
    const startHi = firstRow >= 0 ? (rows[firstRow + ROW_START_HI] as number) : 0;
    const startLo = firstRow >= 0 ? (rows[firstRow + ROW_START_LO] as number) : 0;
    let endHi = 0;
    let endLo = 0;
    let errorSpans = 0;
    let spanBytes = 0;
    let agentSpan = -1;
    const cols = this.#genAi.cols;
    this.#traceIds.reset(chunks);
    for (let p = 0; p < kept; p++) {
      const i = order[p] as number;
      const r = i * ROW_FIELDS;
      const hi = rows[r + ROW_END_HI] as number;
      const lo = rows[r + ROW_END_LO] as number;
      if (endHi < hi || (endHi === hi && endLo < lo)) {
        endHi = hi;
        endLo = lo;
      }
      this.#traceIds.add(rows[r + ROW_CHUNK] as number, rows[r + ROW_TRACE_AT] as number, rows[r + ROW_TRACE_LENGTH] as number, 0);
      if (rows[r + ROW_STATUS] === STATUS_ERROR) errorSpans++;
      spanBytes += (rows[r + ROW_END] as number) - (rows[r + ROW_AT] as number);
      if (agentSpan < 0 && (cols[i * G_FIELDS + G_AGENT_NAME + 1] as number) > 0) agentSpan = i;
    }
    if (endHi < startHi || (endHi === startHi && endLo < startLo)) {
      endHi = startHi;
      endLo = startLo;
    }
    let userTurns = 0;
    let firstUserInput = '';
    let finalOutput = '';
    for (const [index, turn] of totals.turns.entries()) {
      if (turn.userSpan >= 0 && (rows[turn.userSpan * ROW_FIELDS + ROW_SPAN_LENGTH] as number) > 0) {
        userTurns++;
        if (userTurns === 1) firstUserInput = turn.userInput;
      }
      const output = outputs[index] as string;
      if (output !== '') finalOutput = output;
    }

    w.fork(12);
    w.uint32Field(1, kept);
    const traceIds = this.#traceIds;
    for (let t = 0; t < traceIds.size; t++) w.latin1Field(2, chunks[traceIds.chunkOf(t)] as Buffer, traceIds.atOf(t), traceIds.lengthOf(t));
    w.uint32Field(3, userTurns);
    w.uint32Field(4, totals.llmCalls);
    w.uint32Field(5, totals.toolCalls);
    w.uint32Field(6, totals.toolErrors);
    w.uint32Field(7, errorSpans);
    w.int64Field(8, totals.inputTokens);
    w.int64Field(9, totals.outputTokens);
    w.stringField(10, firstUserInput);
    w.stringField(11, finalOutput);
    w.fixed64Field(12, startLo, startHi);
    w.fixed64Field(13, endLo, endHi);
    // end - start as 64 bits.
    const borrow = endLo < startLo ? 1 : 0;
    w.tag(14, 0);
    w.varint64((endLo - startLo + borrow * 4_294_967_296) >>> 0, endHi - startHi - borrow);
    const service = readService(chunks, rows, order, kept);
    if (service.nameLength > 0) w.utf8Field(15, chunks[service.nameChunk] as Buffer, service.nameAt, service.nameLength);
    else w.stringField(15, '');
    if (service.versionLength > 0) w.utf8Field(16, chunks[service.versionChunk] as Buffer, service.versionAt, service.versionLength);
    else w.stringField(16, '');
    if (agentSpan >= 0) {
      const g = agentSpan * G_FIELDS;
      w.utf8Field(17, chunks[rows[agentSpan * ROW_FIELDS + ROW_CHUNK] as number] as Buffer, cols[g + G_AGENT_NAME] as number, cols[g + G_AGENT_NAME + 1] as number);
    } else w.stringField(17, '');
    for (const [field, names] of [
      [18, totals.models],
      [19, totals.toolNames],
    ] as const) {
      for (let n = 0; n < names.size; n++) w.utf8Field(field, chunks[names.chunkOf(n)] as Buffer, names.atOf(n), names.lengthOf(n));
    }
    w.tag(20, 0);
    w.varint(spanBytes);
    w.uint32Field(21, facts.truncatedSpans);
    w.ldelim();
    return closeFactsLength;
  }

  #turnOutput(chunks: readonly Buffer[], rows: Uint32Array, turn: TurnBuild, maxTextLength: number): string {
    const span = turn.rootOutputSpan >= 0 ? turn.rootOutputSpan : turn.lastLlmOutputSpan;
    if (span < 0) return '';
    const column = turn.rootOutputSpan >= 0 ? turn.rootOutputColumn : G_OUTPUT_TEXT;
    const g = span * G_FIELDS;
    const cols = this.#genAi.cols;
    return boundedText(chunks[rows[span * ROW_FIELDS + ROW_CHUNK] as number] as Buffer, cols[g + column] as number, cols[g + column + 1] as number, maxTextLength);
  }

  #latin1(w: ProtoWriter, field: number, chunks: readonly Buffer[], rows: Uint32Array, i: number, atColumn: number, lengthColumn: number): void {
    const r = i * ROW_FIELDS;
    w.latin1Field(field, chunks[rows[r + ROW_CHUNK] as number] as Buffer, rows[r + atColumn] as number, rows[r + lengthColumn] as number);
  }
}

// The session being sorted (module state instead of a closure per sort: sorting runs per close).
const NO_CHUNKS: readonly Buffer[] = [];
let sortChunks: readonly Buffer[] = NO_CHUNKS;
const NO_ROWS = new Uint32Array(0);
let sortRows: Uint32Array = NO_ROWS;

/** Start time, then span id, then trace id (byte order). */
function compareSpans(a: number, b: number): number {
  const rows = sortRows;
  const ra = a * ROW_FIELDS;
  const rb = b * ROW_FIELDS;
  const hiA = rows[ra + ROW_START_HI] as number;
  const hiB = rows[rb + ROW_START_HI] as number;
  if (hiA !== hiB) return hiA - hiB;
  const loA = rows[ra + ROW_START_LO] as number;
  const loB = rows[rb + ROW_START_LO] as number;
  if (loA !== loB) return loA - loB;
  const bufA = sortChunks[rows[ra + ROW_CHUNK] as number] as Buffer;
  const bufB = sortChunks[rows[rb + ROW_CHUNK] as number] as Buffer;
  const bySpan = compareBytes(bufA, rows[ra + ROW_SPAN_AT] as number, rows[ra + ROW_SPAN_LENGTH] as number, bufB, rows[rb + ROW_SPAN_AT] as number, rows[rb + ROW_SPAN_LENGTH] as number);
  if (bySpan !== 0) return bySpan;
  return compareBytes(bufA, rows[ra + ROW_TRACE_AT] as number, rows[ra + ROW_TRACE_LENGTH] as number, bufB, rows[rb + ROW_TRACE_AT] as number, rows[rb + ROW_TRACE_LENGTH] as number);
}

/** Orders row indices by start time, then span id, then trace id. */
function sortByStart(chunks: readonly Buffer[], rows: Uint32Array, order: Int32Array, count: number): void {
  sortChunks = chunks;
  sortRows = rows;
  // Spans mostly arrive in order: check before sorting.
  for (let p = 1; p < count; p++) {
    if (compareSpans(order[p - 1] as number, order[p] as number) > 0) {
      order.subarray(0, count).sort(compareSpans);
      break;
    }
  }
  sortChunks = NO_CHUNKS;
  sortRows = NO_ROWS;
}

interface Identity {
  buf: Buffer;
  tenantAt: number;
  tenantLength: number;
  keyAt: number;
  keyLength: number;
  keySource: number;
}

/** tenant (1), session_key (2), session_key_source (3) of a span: the record's identity comes from its first span. */
function readIdentity(chunks: readonly Buffer[], rows: Uint32Array, i: number): Identity {
  const r = i * ROW_FIELDS;
  const buf = chunks[rows[r + ROW_CHUNK] as number] as Buffer;
  const identity: Identity = { buf, tenantAt: 0, tenantLength: 0, keyAt: 0, keyLength: 0, keySource: 0 };
  const reader = new WireReader(buf, rows[r + ROW_AT] as number, rows[r + ROW_END] as number);
  while (reader.more()) {
    const tag = reader.varint();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === WIRE_LENGTH_DELIMITED && (field === 1 || field === 2)) {
      const length = reader.length();
      if (field === 1) {
        identity.tenantAt = reader.pos;
        identity.tenantLength = length;
      } else {
        identity.keyAt = reader.pos;
        identity.keyLength = length;
      }
      reader.pos += length;
    } else if (wireType === WIRE_VARINT && field === 3) identity.keySource = reader.varint();
    else reader.skip(wireType);
  }
  return identity;
}

interface Service {
  nameChunk: number;
  nameAt: number;
  nameLength: number;
  versionChunk: number;
  versionAt: number;
  versionLength: number;
}

/** service_name (13) and service_version (14): each of the first span (in record order) that has one. */
function readService(chunks: readonly Buffer[], rows: Uint32Array, order: Int32Array, kept: number): Service {
  const service: Service = { nameChunk: 0, nameAt: 0, nameLength: 0, versionChunk: 0, versionAt: 0, versionLength: 0 };
  for (let p = 0; p < kept && (service.nameLength === 0 || service.versionLength === 0); p++) {
    const r = (order[p] as number) * ROW_FIELDS;
    const chunk = rows[r + ROW_CHUNK] as number;
    const reader = new WireReader(chunks[chunk] as Buffer, rows[r + ROW_AT] as number, rows[r + ROW_END] as number);
    let nameAt = 0;
    let nameLength = 0;
    let versionAt = 0;
    let versionLength = 0;
    while (reader.more()) {
      const tag = reader.varint();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (wireType === WIRE_LENGTH_DELIMITED && (field === 13 || field === 14)) {
        const length = reader.length();
        if (field === 13) {
          nameAt = reader.pos;
          nameLength = length;
        } else {
          versionAt = reader.pos;
          versionLength = length;
        }
        reader.pos += length;
      } else reader.skip(wireType);
    }
    if (service.nameLength === 0 && nameLength > 0) {
      service.nameChunk = chunk;
      service.nameAt = nameAt;
      service.nameLength = nameLength;
    }
    if (service.versionLength === 0 && versionLength > 0) {
      service.versionChunk = chunk;
      service.versionAt = versionAt;
      service.versionLength = versionLength;
    }
  }
  return service;
}
