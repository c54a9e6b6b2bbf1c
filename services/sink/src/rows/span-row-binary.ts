// SpanRecord bytes → one RowBinary row of the `spans` table, in one pass. RowBinary strings are
// length + raw bytes, exactly as protobuf lays them out, so string values are copied, never
// decoded or escaped; times and doubles are copied as their 8 bytes. This is the cheapest
// encoding the sink has (services/sink/README.md, "Benchmark"); span-json.ts writes the same
// row as JSON, and a test holds the two to the same result in ClickHouse.
import { floatText, RecordRejectedError } from './clickhouse-values.js';
import { ByteWriter } from './byte-writer.js';
import { sessionKeySourceName, spanKindName, statusCodeName } from './span-json.js';
import { FIXED64, LENGTH_DELIMITED, VARINT, WireReader, wrongWireType } from './wire-reader.js';

/** The columns of a row, in the order written: the insert names them. */
export const spanBinaryColumns = [
  'tenant', 'session_key', 'session_key_source', 'trace_id', 'span_id', 'parent_span_id', 'name', 'kind',
  'start_time', 'end_time', 'duration_ns', 'status_code', 'status_message', 'service_name', 'service_version',
  'session_end', 'scope_name', 'scope_version',
  'gen_ai_operation_name', 'gen_ai_openinference_span_kind', 'gen_ai_provider_name', 'gen_ai_request_model',
  'gen_ai_response_model', 'gen_ai_input_tokens', 'gen_ai_output_tokens', 'gen_ai_total_tokens',
  'gen_ai_cache_read_input_tokens', 'gen_ai_tool_name', 'gen_ai_tool_call_id', 'gen_ai_tool_call_arguments',
  'gen_ai_tool_call_result', 'gen_ai_conversation_id', 'gen_ai_agent_name', 'gen_ai_agent_id',
  'gen_ai_input_messages', 'gen_ai_output_messages', 'gen_ai_system_instructions', 'gen_ai_input_value',
  'gen_ai_output_value', 'gen_ai_finish_reasons', 'gen_ai_response_id', 'gen_ai_error_type',
  'attributes_string', 'attributes_int', 'attributes_double', 'attributes_bool', 'attributes_bytes',
  'resource_attributes_string', 'resource_attributes_int', 'resource_attributes_double', 'resource_attributes_bool',
  'resource_attributes_bytes', 'scope_attributes',
  'event_times', 'event_names', 'event_attributes', 'link_trace_ids', 'link_span_ids', 'link_trace_states', 'link_attributes',
  'trace_state', 'flags', 'dropped_attributes_count', 'dropped_events_count', 'dropped_links_count', 'received_time',
  'resource_schema_url', 'scope_schema_url', 'truncated_value_count', 'redacted_value_count', 'lifted_attribute_keys',
] as const;

// String slots: [start, end) of each string field in the record's bytes.
const S = {
  tenant: 0, sessionKey: 1, traceId: 2, spanId: 3, parentSpanId: 4, name: 5, statusMessage: 6, serviceName: 7,
  serviceVersion: 8, scopeName: 9, scopeVersion: 10, traceState: 11, resourceSchemaUrl: 12, scopeSchemaUrl: 13,
} as const;
/** GenAi string field number → slot (14 onwards). */
const genAiSlot: (number | undefined)[] = [];
const genAiStringFields = [1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 15, 18, 19, 20, 22, 23];
genAiStringFields.forEach((field, i) => (genAiSlot[field] = 14 + i));
const slotCount = 14 + genAiStringFields.length;
/** GenAi token field number → index of its (present, lo, hi) triple. */
const tokenIndex: (number | undefined)[] = [];
tokenIndex[6] = 0;
tokenIndex[7] = 1;
tokenIndex[8] = 2;
tokenIndex[24] = 3;

/**
 * String-to-string map entries as [key start, key end, value start, value end] offsets into the
 * record: the bulk of a span's bytes, copied once, straight into the row.
 */
class StringEntries {
  offsets = new Int32Array(256);
  count = 0;

  push(keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): void {
    const at = this.count * 4;
    if (at + 4 > this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[at] = keyStart;
    this.offsets[at + 1] = keyEnd;
    this.offsets[at + 2] = valueStart;
    this.offsets[at + 3] = valueEnd;
    this.count++;
  }

  writeTo(out: ByteWriter, bytes: Buffer): void {
    out.varint(this.count);
    const o = this.offsets;
    for (let i = 0; i < this.count * 4; i += 4) {
      out.stringBytes(bytes, o[i] as number, o[i + 1] as number);
      out.stringBytes(bytes, o[i + 2] as number, o[i + 3] as number);
    }
  }
}

/** Everything one record needs besides its bytes; reused from record to record. */
class SpanState {
  readonly slots = new Int32Array(slotCount * 2);
  readonly tokens = new Float64Array(12);
  readonly attributes = [new ByteWriter(2_048), new ByteWriter(256), new ByteWriter(256), new ByteWriter(256), new ByteWriter(256)];
  readonly resource = [new ByteWriter(256), new ByteWriter(256), new ByteWriter(256), new ByteWriter(256), new ByteWriter(256)];
  readonly lists: ByteWriter[];
  /** The string maps of attributes and resource attributes (their slot 0 writers stay empty). */
  readonly attributeStrings = new StringEntries();
  readonly resourceStrings = new StringEntries();
  readonly scopeAttributes = new ByteWriter(256);
  readonly eventTimes = new ByteWriter(64);
  readonly eventNames = new ByteWriter(64);
  readonly eventAttributes = new ByteWriter(256);
  readonly linkTraceIds = new ByteWriter(64);
  readonly linkSpanIds = new ByteWriter(64);
  readonly linkStates = new ByteWriter(64);
  readonly linkAttributes = new ByteWriter(256);
  readonly inputMessages = new ByteWriter(1_024);
  readonly outputMessages = new ByteWriter(1_024);
  readonly finishReasons = new ByteWriter(64);
  readonly liftedKeys = new ByteWriter(64);
  /** A nested map or list being built (event and link attributes, tool calls). */
  readonly nested = new ByteWriter(256);
  sessionKeySource = 0;
  kind = 0;
  statusCode = 0;
  sessionEnd = 0;
  flags = 0;
  droppedAttributes = 0;
  droppedEvents = 0;
  droppedLinks = 0;
  truncated = 0;
  redacted = 0;
  startLo = 0;
  startHi = 0;
  endLo = 0;
  endHi = 0;
  receivedLo = 0;
  receivedHi = 0;

  constructor() {
    this.lists = [
      ...this.attributes, ...this.resource, this.scopeAttributes, this.eventTimes, this.eventNames, this.eventAttributes, this.linkTraceIds,
      this.linkSpanIds, this.linkStates, this.linkAttributes, this.inputMessages, this.outputMessages, this.finishReasons, this.liftedKeys,
    ];
  }

  reset(): void {
    this.slots.fill(0);
    this.tokens.fill(0);
    this.attributeStrings.count = 0;
    this.resourceStrings.count = 0;
    const lists = this.lists;
    for (let i = 0; i < lists.length; i++) {
      const w = lists[i] as ByteWriter;
      w.pos = 0;
      w.count = 0;
    }
    this.sessionKeySource = this.kind = this.statusCode = this.sessionEnd = this.flags = 0;
    this.droppedAttributes = this.droppedEvents = this.droppedLinks = this.truncated = this.redacted = 0;
    this.startLo = this.startHi = this.endLo = this.endHi = this.receivedLo = this.receivedHi = 0;
  }
}

const state = new SpanState();

/** Enum names as encoded String values, by number. */
function encodedNames(name: (value: number) => string): (value: number) => Uint8Array {
  const cache = new Map<number, Uint8Array>();
  return (value) => {
    let encoded = cache.get(value);
    if (encoded === undefined) {
      const w = new ByteWriter(32);
      w.string(name(value));
      encoded = w.take();
      if (cache.size < 256) cache.set(value, encoded);
    }
    return encoded;
  };
}

const sessionKeySourceBytes = encodedNames(sessionKeySourceName);
const spanKindBytes = encodedNames(spanKindName);
const statusCodeBytes = encodedNames(statusCodeName);

function writeSlot(out: ByteWriter, bytes: Buffer, slots: Int32Array, slot: number): void {
  out.stringBytes(bytes, slots[slot * 2] as number, slots[slot * 2 + 1] as number);
}

/**
 * Appends one encoded SpanRecord to `out` as a RowBinary row of `spanBinaryColumns`. Throws
 * RecordRejectedError (and writes nothing) for bytes no retry can fix.
 */
export function writeSpanRowBinary(bytes: Buffer, out: ByteWriter): void {
  const st = state;
  st.reset();
  const r = new WireReader(bytes);
  readSpan(r, st);
  const slot = st.slots;
  if (slot[S.tenant * 2 + 1] === slot[S.tenant * 2] || slot[S.traceId * 2 + 1] === slot[S.traceId * 2] || slot[S.spanId * 2 + 1] === slot[S.spanId * 2]) {
    throw new RecordRejectedError('SCHEMA_INVALID', 'a span record needs tenant, trace_id and span_id');
  }
  checkTime(st.startHi, 'start_time_unix_nano');
  checkTime(st.endHi, 'end_time_unix_nano');
  checkTime(st.receivedHi, 'received_time_unix_nano');

  writeSlot(out, bytes, slot, S.tenant);
  writeSlot(out, bytes, slot, S.sessionKey);
  out.encoded(sessionKeySourceBytes(st.sessionKeySource));
  writeSlot(out, bytes, slot, S.traceId);
  writeSlot(out, bytes, slot, S.spanId);
  writeSlot(out, bytes, slot, S.parentSpanId);
  writeSlot(out, bytes, slot, S.name);
  out.encoded(spanKindBytes(st.kind));
  out.u64(st.startLo, st.startHi);
  out.u64(st.endLo, st.endHi);
  const duration = ((st.endHi >>> 0) - (st.startHi >>> 0)) * 0x1_0000_0000 + ((st.endLo >>> 0) - (st.startLo >>> 0));
  out.u64Number(duration > 0 ? duration : 0);
  out.encoded(statusCodeBytes(st.statusCode));
  writeSlot(out, bytes, slot, S.statusMessage);
  writeSlot(out, bytes, slot, S.serviceName);
  writeSlot(out, bytes, slot, S.serviceVersion);
  out.u8(st.sessionEnd);
  writeSlot(out, bytes, slot, S.scopeName);
  writeSlot(out, bytes, slot, S.scopeVersion);
  for (let field = 1; field <= 5; field++) writeSlot(out, bytes, slot, genAiSlot[field] as number);
  for (let t = 0; t < 4; t++) {
    if (st.tokens[t * 3] === 0) {
      out.u8(1);
    } else {
      out.u8(0);
      out.u64(st.tokens[t * 3 + 1] as number, st.tokens[t * 3 + 2] as number);
    }
  }
  for (let field = 9; field <= 15; field++) writeSlot(out, bytes, slot, genAiSlot[field] as number);
  out.counted(st.inputMessages);
  out.counted(st.outputMessages);
  for (let field = 18; field <= 20; field++) writeSlot(out, bytes, slot, genAiSlot[field] as number);
  out.counted(st.finishReasons);
  writeSlot(out, bytes, slot, genAiSlot[22] as number);
  writeSlot(out, bytes, slot, genAiSlot[23] as number);
  st.attributeStrings.writeTo(out, bytes);
  for (let m = 1; m < 5; m++) out.counted(st.attributes[m] as ByteWriter);
  st.resourceStrings.writeTo(out, bytes);
  for (let m = 1; m < 5; m++) out.counted(st.resource[m] as ByteWriter);
  out.counted(st.scopeAttributes);
  out.counted(st.eventTimes);
  out.counted(st.eventNames);
  out.counted(st.eventAttributes);
  out.counted(st.linkTraceIds);
  out.counted(st.linkSpanIds);
  out.counted(st.linkStates);
  out.counted(st.linkAttributes);
  writeSlot(out, bytes, slot, S.traceState);
  out.u32(st.flags);
  out.u32(st.droppedAttributes);
  out.u32(st.droppedEvents);
  out.u32(st.droppedLinks);
  out.u64(st.receivedLo, st.receivedHi);
  writeSlot(out, bytes, slot, S.resourceSchemaUrl);
  writeSlot(out, bytes, slot, S.scopeSchemaUrl);
  out.u32(st.truncated);
  out.u32(st.redacted);
  out.counted(st.liftedKeys);
}

function checkTime(hi: number, field: string): void {
  if (hi >>> 0 >= 0x80000000) throw new RecordRejectedError('SCHEMA_INVALID', `${field} is past 2262-04-11 (the DateTime64(9) range)`);
}

const topSlot: (number | undefined)[] = [];
topSlot[1] = S.tenant;
topSlot[2] = S.sessionKey;
topSlot[4] = S.traceId;
topSlot[5] = S.spanId;
topSlot[6] = S.parentSpanId;
topSlot[7] = S.name;
topSlot[12] = S.statusMessage;
topSlot[13] = S.serviceName;
topSlot[14] = S.serviceVersion;
topSlot[18] = S.scopeName;
topSlot[19] = S.scopeVersion;
topSlot[24] = S.traceState;
topSlot[30] = S.resourceSchemaUrl;
topSlot[31] = S.scopeSchemaUrl;

const expectedWireType: (number | undefined)[] = [];
for (const f of [1, 2, 4, 5, 6, 7, 12, 13, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24, 30, 31, 34]) expectedWireType[f] = LENGTH_DELIMITED;
for (const f of [3, 8, 11, 15, 25, 26, 27, 28, 32, 33]) expectedWireType[f] = VARINT;
for (const f of [9, 10, 29]) expectedWireType[f] = FIXED64;

function setSlot(r: WireReader, slots: Int32Array, slot: number): void {
  const end = r.end();
  slots[slot * 2] = r.pos;
  slots[slot * 2 + 1] = end;
  r.pos = end;
}

/** [start, end) of a length-delimited payload, appended to a list writer as a String. */
function pushString(r: WireReader, list: ByteWriter): void {
  const end = r.end();
  list.stringBytes(r.buf, r.pos, end);
  list.count++;
  r.pos = end;
}

function readSpan(r: WireReader, st: SpanState): void {
  const length = r.buf.length;
  while (r.pos < length) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    const expected = expectedWireType[field];
    if (expected === undefined) {
      r.skip(wireType);
      continue;
    }
    if (expected !== wireType) throw wrongWireType('SpanRecord', field, wireType);
    const slot = topSlot[field];
    if (slot !== undefined) {
      setSlot(r, st.slots, slot);
      continue;
    }
    switch (field) {
      case 3: st.sessionKeySource = r.uint32(); break;
      case 8: st.kind = r.uint32(); break;
      case 9: r.fixed64(); st.startLo = r.lo; st.startHi = r.hi; break;
      case 10: r.fixed64(); st.endLo = r.lo; st.endHi = r.hi; break;
      case 11: st.statusCode = r.uint32(); break;
      case 15: st.sessionEnd = r.uint32() !== 0 ? 1 : 0; break;
      case 16: readTypedMaps(r, r.end(), st.attributes, st.attributeStrings); break;
      case 17: readTypedMaps(r, r.end(), st.resource, st.resourceStrings); break;
      case 20: readTextMap(r, r.end(), st.scopeAttributes); break;
      case 21: readEvent(r, r.end(), st); break;
      case 22: readLink(r, r.end(), st); break;
      case 23: readGenAi(r, r.end(), st); break;
      case 25: st.flags = r.uint32(); break;
      case 26: st.droppedAttributes = r.uint32(); break;
      case 27: st.droppedEvents = r.uint32(); break;
      case 28: st.droppedLinks = r.uint32(); break;
      case 29: r.fixed64(); st.receivedLo = r.lo; st.receivedHi = r.hi; break;
      case 32: st.truncated = r.uint32(); break;
      case 33: st.redacted = r.uint32(); break;
      case 34: pushString(r, st.liftedKeys); break;
    }
  }
  if (r.pos !== length) throw new RecordRejectedError('DECODE_FAILED', 'truncated protobuf message');
}

/**
 * One Attributes map entry (key = 1, value = 2) of map `map` (Attributes' field number: 1 string,
 * 2 int64, 3 double, 4 bool, 5 bytes), appended to `into` as a key and a value: typed, or as
 * text when `asText`.
 */
function readEntry(r: WireReader, end: number, map: number, into: ByteWriter, asText: boolean): void {
  let keyStart = 0;
  let keyEnd = 0;
  let valueStart = -1;
  let valueEnd = 0;
  let lo = 0;
  let hi = 0;
  let number = 0;
  let present = false;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === LENGTH_DELIMITED) {
      keyEnd = r.end();
      keyStart = r.pos;
      r.pos = keyEnd;
    } else if (field === 2) {
      const expected = map === 3 ? FIXED64 : map === 2 || map === 4 ? VARINT : LENGTH_DELIMITED;
      if (wireType !== expected) throw wrongWireType('Attributes map entry', 2, wireType);
      present = true;
      if (map === 1 || map === 5) {
        valueEnd = r.end();
        valueStart = r.pos;
        r.pos = valueEnd;
      } else if (map === 3) {
        number = r.double();
      } else {
        r.varint64();
        lo = r.lo;
        hi = r.hi;
      }
    } else {
      r.skip(wireType);
    }
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated attribute map entry');
  const buf = r.buf;
  into.stringBytes(buf, keyStart, keyEnd);
  into.count++;
  switch (map) {
    case 1:
      if (valueStart < 0) into.varint(0);
      else into.stringBytes(buf, valueStart, valueEnd);
      return;
    case 2:
      if (asText) into.string(present ? int64Text(lo, hi) : '0');
      else into.u64(lo, hi);
      return;
    case 3:
      if (asText) into.string(present ? unquote(floatText(number)) : '0');
      else into.f64(number);
      return;
    case 4:
      if (asText) into.string(lo !== 0 ? 'true' : 'false');
      else into.u8(lo !== 0 ? 1 : 0);
      return;
    default:
      into.string(valueStart < 0 ? '' : buf.toString('base64', valueStart, valueEnd));
  }
}

function int64Text(lo: number, hi: number): string {
  if (hi === 0) return String(lo);
  if (hi < 0x200000) return String(hi * 0x1_0000_0000 + lo);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function unquote(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1) : text;
}

function readTypedMaps(r: WireReader, end: number, maps: ByteWriter[], strings: StringEntries): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field < 1 || field > 5 || wireType !== LENGTH_DELIMITED) {
      r.skip(wireType);
      continue;
    }
    if (field === 1) readStringEntry(r, r.end(), strings);
    else readEntry(r, r.end(), field, maps[field - 1] as ByteWriter, false);
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated Attributes');
}

/** A string_values entry: only its offsets are kept. */
function readStringEntry(r: WireReader, end: number, strings: StringEntries): void {
  let keyStart = 0;
  let keyEnd = 0;
  let valueStart = 0;
  let valueEnd = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if ((field === 1 || field === 2) && wireType === LENGTH_DELIMITED) {
      const stop = r.end();
      if (field === 1) {
        keyStart = r.pos;
        keyEnd = stop;
      } else {
        valueStart = r.pos;
        valueEnd = stop;
      }
      r.pos = stop;
    } else if (field === 2) {
      throw wrongWireType('Attributes map entry', 2, wireType);
    } else {
      r.skip(wireType);
    }
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated attribute map entry');
  strings.push(keyStart, keyEnd, valueStart, valueEnd);
}

function readTextMap(r: WireReader, end: number, into: ByteWriter): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field < 1 || field > 5 || wireType !== LENGTH_DELIMITED) {
      r.skip(wireType);
      continue;
    }
    readEntry(r, r.end(), field, into, true);
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated Attributes');
}

function readEvent(r: WireReader, end: number, st: SpanState): void {
  let lo = 0;
  let hi = 0;
  let nameStart = 0;
  let nameEnd = 0;
  const attributes = st.nested;
  attributes.reset();
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === FIXED64) {
      r.fixed64();
      lo = r.lo;
      hi = r.hi;
    } else if (field === 2 && wireType === LENGTH_DELIMITED) {
      nameEnd = r.end();
      nameStart = r.pos;
      r.pos = nameEnd;
    } else if (field === 3 && wireType === LENGTH_DELIMITED) {
      readTextMap(r, r.end(), attributes);
    } else {
      r.skip(wireType);
    }
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated SpanEvent');
  checkTime(hi, 'event time_unix_nano');
  st.eventTimes.u64(lo, hi);
  st.eventTimes.count++;
  st.eventNames.stringBytes(r.buf, nameStart, nameEnd);
  st.eventNames.count++;
  st.eventAttributes.counted(attributes);
  st.eventAttributes.count++;
}

function readLink(r: WireReader, end: number, st: SpanState): void {
  const ids = [0, 0, 0, 0, 0, 0];
  const attributes = st.nested;
  attributes.reset();
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === LENGTH_DELIMITED && field >= 1 && field <= 3) {
      const stop = r.end();
      ids[(field - 1) * 2] = r.pos;
      ids[(field - 1) * 2 + 1] = stop;
      r.pos = stop;
    } else if (wireType === LENGTH_DELIMITED && field === 4) {
      readTextMap(r, r.end(), attributes);
    } else {
      r.skip(wireType);
    }
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated SpanLink');
  const buf = r.buf;
  st.linkTraceIds.stringBytes(buf, ids[0] as number, ids[1] as number);
  st.linkTraceIds.count++;
  st.linkSpanIds.stringBytes(buf, ids[2] as number, ids[3] as number);
  st.linkSpanIds.count++;
  st.linkStates.stringBytes(buf, ids[4] as number, ids[5] as number);
  st.linkStates.count++;
  st.linkAttributes.counted(attributes);
  st.linkAttributes.count++;
}

function readGenAi(r: WireReader, end: number, st: SpanState): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    const slot = genAiSlot[field];
    const token = tokenIndex[field];
    if (slot !== undefined && wireType === LENGTH_DELIMITED) {
      setSlot(r, st.slots, slot);
    } else if (token !== undefined && wireType === VARINT) {
      r.varint64();
      st.tokens[token * 3] = 1;
      st.tokens[token * 3 + 1] = r.lo;
      st.tokens[token * 3 + 2] = r.hi;
    } else if ((field === 16 || field === 17) && wireType === LENGTH_DELIMITED) {
      readMessage(r, r.end(), field === 16 ? st.inputMessages : st.outputMessages, st.nested);
    } else if (field === 21 && wireType === LENGTH_DELIMITED) {
      pushString(r, st.finishReasons);
    } else {
      r.skip(wireType);
    }
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated GenAi');
}

/** A GenAiMessage as a Tuple(role, content, tool_calls, tool_call_id, name, finish_reason). */
function readMessage(r: WireReader, end: number, into: ByteWriter, toolCalls: ByteWriter): void {
  const f = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  toolCalls.reset();
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType !== LENGTH_DELIMITED || field < 1 || field > 6) {
      r.skip(wireType);
      continue;
    }
    const stop = r.end();
    if (field === 3) {
      readToolCall(r, stop, toolCalls);
    } else {
      f[(field - 1) * 2] = r.pos;
      f[(field - 1) * 2 + 1] = stop;
    }
    r.pos = stop;
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated GenAiMessage');
  const buf = r.buf;
  into.stringBytes(buf, f[0] as number, f[1] as number);
  into.stringBytes(buf, f[2] as number, f[3] as number);
  into.counted(toolCalls);
  into.stringBytes(buf, f[6] as number, f[7] as number);
  into.stringBytes(buf, f[8] as number, f[9] as number);
  into.stringBytes(buf, f[10] as number, f[11] as number);
  into.count++;
}

function readToolCall(r: WireReader, end: number, into: ByteWriter): void {
  const f = [0, 0, 0, 0, 0, 0];
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType !== LENGTH_DELIMITED || field < 1 || field > 3) {
      r.skip(wireType);
      continue;
    }
    const stop = r.end();
    f[(field - 1) * 2] = r.pos;
    f[(field - 1) * 2 + 1] = stop;
    r.pos = stop;
  }
  if (r.pos !== end) throw new RecordRejectedError('DECODE_FAILED', 'truncated GenAiToolCall');
  into.stringBytes(r.buf, f[0] as number, f[1] as number);
  into.stringBytes(r.buf, f[2] as number, f[3] as number);
  into.stringBytes(r.buf, f[4] as number, f[5] as number);
  into.count++;
}
