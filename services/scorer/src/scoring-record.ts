// A SessionRecord read for scoring: only what buildSessionView, the objective selectors and the
// score records read, straight from the protobuf wire format. GenAI telemetry is quadratic (every
// LLM span resends the system prompt and the conversation so far, and carries it twice: the
// gen_ai.* attributes as sent and the parsed GenAI fields), so a full decode spends most of the
// scorer's time on strings nobody reads. This reader skips attribute maps (but for the keys asked
// for), events, links and unread GenAI fields by jumping over their bytes, and decodes an input
// message or system prompt only when its bytes differ from the previous LLM call's at the same
// place: each message of a conversation is decoded once per session. The result has the shape of
// a decoded record (ISessionRecord) for the fields it carries, with equal values.
import Long from 'long';
import { SessionSummary, type ISessionRecord, type ITurn } from '@tracebar/proto';

/** What scoring reads of a session record; a fully decoded SessionRecord is one too. */
export interface ScoringRecord extends ISessionRecord {
  tenant: string;
  sessionKey: string;
  revision: number;
  partIndex: number;
  partCount: number;
  contentDigest: string;
  truncated: boolean;
  /** As on the generated class: null at run time when the record has none. */
  summary: SessionSummary;
}

interface LeanAttributes {
  stringValues: Record<string, string>;
  intValues: Record<string, Long | number>;
  doubleValues: Record<string, number>;
  boolValues: Record<string, boolean>;
}

interface LeanToolCall {
  id: string;
  name: string;
  arguments: string;
}

interface LeanMessage {
  role: string;
  content: string;
  toolCalls: LeanToolCall[];
  toolCallId: string;
  name: string;
}

interface LeanGenAi {
  operationName: string;
  openinferenceSpanKind: string;
  requestModel: string;
  responseModel: string;
  inputTokens: number | null;
  outputTokens: number | null;
  toolName: string;
  toolCallId: string;
  toolCallArguments: string;
  toolCallResult: string;
  agentName: string;
  inputMessages: LeanMessage[];
  outputMessages: LeanMessage[];
  systemInstructions: string;
  inputValue: string;
  outputValue: string;
  errorType: string;
}

/** A span's input messages: their decoded values and byte ranges. */
interface InputList {
  starts: number[];
  ends: number[];
  messages: LeanMessage[];
  /** Where the first message's field tag is and where the last message ends. */
  tagStart: number;
  end: number;
  /** No other field between the messages: the bytes from tagStart to end are the messages alone. */
  contiguous: boolean;
}

function emptyInputList(): InputList {
  return { starts: [], ends: [], messages: [], tagStart: 0, end: 0, contiguous: true };
}

/** How many recent spans' input messages a new one is compared with. */
const RECENT_INPUT_LISTS = 4;

interface LeanTurn {
  index: number;
  userSpanId: string;
  userInput: string;
  output: string;
  startTimeUnixNano: number;
  endTimeUnixNano: number;
  steps: never[];
}

interface LeanSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  startTimeUnixNano: number;
  endTimeUnixNano: number;
  statusCode: number;
  statusMessage: string;
  serviceName: string;
  attributes: LeanAttributes | null;
  resourceAttributes: LeanAttributes | null;
  genAi: LeanGenAi | null;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;
const TWO_32 = 4294967296;
/** Tag of a map entry's key: field 1, length-delimited. */
const KEY_TAG = (1 << 3) | WIRE_LENGTH;

/** Node's Buffer has utf8Slice (what protobufjs reads strings with) and latin1Slice, untyped. */
type Utf8Buffer = Buffer & { utf8Slice(start: number, end: number): string; latin1Slice(start: number, end: number): string };
/** Strings up to this many bytes are checked for ASCII and then read as latin1, and may be interned. */
const SHORT_STRING = 64;
/** Fields whose values repeat across spans, each with the last few values read. */
const SLOT = { traceId: 0, spanName: 1, serviceName: 2, operation: 3, model: 4, agent: 5, role: 6, toolName: 7 } as const;
const INTERNED_SLOTS = 8;
const INTERNED_PER_SLOT = 4;

function outOfRange(): never {
  throw new RangeError('index out of range');
}

/** Attribute keys wanted from span and resource attributes, as UTF-8 bytes for comparison in place. */
export class AttributeKeys {
  readonly names: readonly string[];
  readonly bytes: readonly Buffer[];
  /** Byte lengths of the wanted keys. */
  readonly lengths: ReadonlySet<number>;

  constructor(names: Iterable<string>) {
    this.names = [...new Set(names)];
    this.bytes = this.names.map((name) => Buffer.from(name, 'utf8'));
    this.lengths = new Set(this.bytes.map((key) => key.length));
  }
}

const NO_KEYS = new AttributeKeys([]);
/** The interning tables of SessionReader (see there). */
const INTERNED = {
  at: new Int32Array(INTERNED_SLOTS * INTERNED_PER_SLOT),
  length: new Int32Array(INTERNED_SLOTS * INTERNED_PER_SLOT),
  value: new Array<string>(INTERNED_SLOTS * INTERNED_PER_SLOT).fill(''),
  next: new Uint32Array(INTERNED_SLOTS),
};
/** The last long system prompt read (see systemInstructions). */
let lastPrompt = { bytes: Buffer.alloc(0), text: '' };

class SessionReader {
  private pos = 0;
  /** 64-bit varints are read into these two halves (low, high) as protobufjs does. */
  private lo = 0;
  private hi = 0;
  /**
   * Input messages of the last few spans that had some, most recent first: agent spans between LLM
   * calls carry the turn's messages only, so the previous call's list is not always the latest.
   */
  private readonly recent: InputList[] = [];
  private current: InputList = emptyInputList();
  /** Byte range and text of the last system prompt read. */
  // Shared by every read (a read runs to its end synchronously) and reset per read: typed arrays cost
  // more to allocate than a whole header read.
  private readonly internedAt = INTERNED.at.fill(-1);
  private readonly internedLength = INTERNED.length;
  private readonly internedValue = INTERNED.value;
  private readonly internedNext = INTERNED.next.fill(0);
  private systemStart = 0;
  private systemEnd = 0;
  private system = '';

  constructor(
    private readonly buf: Utf8Buffer,
    private readonly keys: AttributeKeys,
  ) {}

  private uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let byte = buf[pos++]!;
    let value = byte & 127;
    if (byte >= 128) {
      byte = buf[pos++]!;
      value |= (byte & 127) << 7;
      if (byte >= 128) {
        byte = buf[pos++]!;
        value |= (byte & 127) << 14;
        if (byte >= 128) {
          byte = buf[pos++]!;
          value |= (byte & 127) << 21;
          if (byte >= 128) {
            byte = buf[pos++]!;
            value |= (byte & 15) << 28;
            // A negative int32 is sign-extended to ten bytes; the upper ones carry nothing for uint32.
            for (let i = 0; byte >= 128 && i < 5; i++) byte = buf[pos++]!;
            if (byte >= 128) throw new Error('invalid varint encoding');
          }
        }
      }
    }
    if (pos > buf.length) outOfRange();
    this.pos = pos;
    return value >>> 0;
  }

  /** A 64-bit varint into lo/hi (protobufjs' readLongVarint). */
  private varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let i = 0;
    let byte = 0;
    for (; i < 4; i++) {
      byte = buf[this.pos++]!;
      lo = (lo | ((byte & 127) << (i * 7))) >>> 0;
      if (byte < 128) return this.setLong(lo, hi);
    }
    byte = buf[this.pos++]!;
    lo = (lo | ((byte & 127) << 28)) >>> 0;
    hi = (hi | ((byte & 127) >> 4)) >>> 0;
    if (byte < 128) return this.setLong(lo, hi);
    for (i = 0; i < 5; i++) {
      byte = buf[this.pos++]!;
      hi = (hi | ((byte & 127) << (i * 7 + 3))) >>> 0;
      if (byte < 128) return this.setLong(lo, hi);
    }
    throw new Error('invalid varint encoding');
  }

  private setLong(lo: number, hi: number): void {
    if (this.pos > this.buf.length) outOfRange();
    this.lo = lo;
    this.hi = hi;
  }

  /** int64 as a number, as Long#toNumber gives it for a signed Long. */
  private int64Number(): number {
    this.varint64();
    return (this.hi | 0) * TWO_32 + this.lo;
  }

  /** fixed64 as a number, as Long#toNumber gives it for an unsigned Long. */
  private fixed64Number(): number {
    const pos = this.pos;
    if (pos + 8 > this.buf.length) outOfRange();
    this.pos = pos + 8;
    return this.buf.readUInt32LE(pos + 4) * TWO_32 + this.buf.readUInt32LE(pos);
  }

  /** End of a length-delimited field starting at pos, checked against its container's end. */
  private lengthEnd(limit: number): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > limit) outOfRange();
    return end;
  }

  private string(limit: number): string {
    const end = this.lengthEnd(limit);
    const start = this.pos;
    this.pos = end;
    return this.text(start, end);
  }

  /**
   * A short string that repeats from span to span (trace id, service, span name, model, role...):
   * compared in place with the last few values read for the same field, decoded only when new.
   */
  private repeated(slot: number, limit: number): string {
    const end = this.lengthEnd(limit);
    const start = this.pos;
    this.pos = end;
    const length = end - start;
    if (length > SHORT_STRING) return this.text(start, end);
    const buf = this.buf;
    const base = slot * INTERNED_PER_SLOT;
    for (let k = base; k < base + INTERNED_PER_SLOT; k++) {
      const at = this.internedAt[k]!;
      if (at < 0 || this.internedLength[k] !== length) continue;
      let i = 0;
      while (i < length && buf[start + i] === buf[at + i]) i++;
      if (i === length) return this.internedValue[k]!;
    }
    const value = this.text(start, end);
    const k = base + (this.internedNext[slot]! % INTERNED_PER_SLOT);
    this.internedNext[slot]!++;
    this.internedAt[k] = start;
    this.internedLength[k] = length;
    this.internedValue[k] = value;
    return value;
  }

  private text(start: number, end: number): string {
    if (end === start) return '';
    // Ids, names and roles are short and ASCII: latin1Slice gives the same string for ASCII bytes, at half the cost.
    if (end - start <= SHORT_STRING) {
      const buf = this.buf;
      let i = start;
      while (i < end && buf[i]! < 128) i++;
      if (i === end) return buf.latin1Slice(start, end);
    }
    return this.buf.utf8Slice(start, end);
  }

  private skip(wireType: number, limit: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.pos += 8;
        break;
      case WIRE_LENGTH:
        this.pos = this.lengthEnd(limit);
        return;
      case WIRE_FIXED32:
        this.pos += 4;
        break;
      default:
        throw new Error(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
    if (this.pos > limit) outOfRange();
  }

  private expect(wireType: number, wanted: number): void {
    if (wireType !== wanted) throw new Error(`invalid wire type ${wireType} at offset ${this.pos}`);
  }

  /** headerOnly: identity and part fields only; summary, turns and spans are skipped unread. */
  record(headerOnly = false): ScoringRecord {
    const limit = this.buf.length;
    const record: ScoringRecord = {
      tenant: '',
      sessionKey: '',
      revision: 0,
      partIndex: 0,
      partCount: 0,
      contentDigest: '',
      truncated: false,
      summary: null as unknown as SessionSummary,
      turns: [],
      spans: [],
    };
    const turns: LeanTurn[] = [];
    const spans: LeanSpan[] = [];
    while (this.pos < limit) {
      const tag = this.uint32();
      const wireType = tag & 7;
      const field = tag >>> 3;
      if (headerOnly && field >= 12 && field <= 14) {
        this.skip(wireType, limit);
        continue;
      }
      switch (field) {
        case 1:
          this.expect(wireType, WIRE_LENGTH);
          record.tenant = this.string(limit);
          break;
        case 2:
          this.expect(wireType, WIRE_LENGTH);
          record.sessionKey = this.string(limit);
          break;
        case 4:
          this.expect(wireType, WIRE_VARINT);
          record.revision = this.uint32();
          break;
        case 5:
          this.expect(wireType, WIRE_VARINT);
          record.partIndex = this.uint32();
          break;
        case 6:
          this.expect(wireType, WIRE_VARINT);
          record.partCount = this.uint32();
          break;
        case 8:
          this.expect(wireType, WIRE_LENGTH);
          record.contentDigest = this.string(limit);
          break;
        case 10:
          this.expect(wireType, WIRE_VARINT);
          this.varint64();
          record.truncated = this.lo !== 0 || this.hi !== 0;
          break;
        case 12: {
          this.expect(wireType, WIRE_LENGTH);
          const end = this.lengthEnd(limit);
          // Small and read whole (the score record copies its times as they are): the generated decoder.
          record.summary = SessionSummary.decode(this.buf.subarray(this.pos, end));
          this.pos = end;
          break;
        }
        case 13: {
          this.expect(wireType, WIRE_LENGTH);
          turns.push(this.turn(this.lengthEnd(limit)));
          break;
        }
        case 14: {
          this.expect(wireType, WIRE_LENGTH);
          const end = this.lengthEnd(limit);
          spans.push(this.span(end));
          this.pos = end;
          break;
        }
        default:
          this.skip(wireType, limit);
      }
    }
    record.turns = turns as unknown as ITurn[];
    // Times are numbers (Long#toNumber's values), not Longs: buildSessionView reads them as numbers.
    record.spans = spans as unknown as ISessionRecord['spans'];
    return record;
  }

  /** A turn; its steps are counted, not read (the view reads only how many). */
  private turn(limit: number): LeanTurn {
    const turn: LeanTurn = { index: 0, userSpanId: '', userInput: '', output: '', startTimeUnixNano: 0, endTimeUnixNano: 0, steps: [] };
    let steps = 0;
    while (this.pos < limit) {
      const tag = this.uint32();
      const wireType = tag & 7;
      switch (tag >>> 3) {
        case 1:
          this.expect(wireType, WIRE_VARINT);
          turn.index = this.uint32();
          break;
        case 2:
          this.expect(wireType, WIRE_LENGTH);
          turn.userSpanId = this.string(limit);
          break;
        case 3:
          this.expect(wireType, WIRE_LENGTH);
          turn.userInput = this.string(limit);
          break;
        case 4:
          this.expect(wireType, WIRE_LENGTH);
          turn.output = this.string(limit);
          break;
        case 5:
          this.expect(wireType, WIRE_FIXED64);
          turn.startTimeUnixNano = this.fixed64Number();
          break;
        case 6:
          this.expect(wireType, WIRE_FIXED64);
          turn.endTimeUnixNano = this.fixed64Number();
          break;
        case 7:
          this.expect(wireType, WIRE_LENGTH);
          this.pos = this.lengthEnd(limit);
          steps++;
          break;
        default:
          this.skip(wireType, limit);
      }
    }
    if (this.pos !== limit) outOfRange();
    // Holes, not steps: only the count is known.
    turn.steps = new Array<never>(steps);
    return turn;
  }

  private span(limit: number): LeanSpan {
    const span: LeanSpan = {
      traceId: '',
      spanId: '',
      parentSpanId: '',
      name: '',
      startTimeUnixNano: 0,
      endTimeUnixNano: 0,
      statusCode: 0,
      statusMessage: '',
      serviceName: '',
      attributes: null,
      resourceAttributes: null,
      genAi: null,
    };
    while (this.pos < limit) {
      const tag = this.uint32();
      const wireType = tag & 7;
      switch (tag >>> 3) {
        case 4:
          this.expect(wireType, WIRE_LENGTH);
          span.traceId = this.repeated(SLOT.traceId, limit);
          break;
        case 5:
          this.expect(wireType, WIRE_LENGTH);
          span.spanId = this.string(limit);
          break;
        case 6:
          this.expect(wireType, WIRE_LENGTH);
          span.parentSpanId = this.string(limit);
          break;
        case 7:
          this.expect(wireType, WIRE_LENGTH);
          span.name = this.repeated(SLOT.spanName, limit);
          break;
        case 9:
          this.expect(wireType, WIRE_FIXED64);
          span.startTimeUnixNano = this.fixed64Number();
          break;
        case 10:
          this.expect(wireType, WIRE_FIXED64);
          span.endTimeUnixNano = this.fixed64Number();
          break;
        case 11:
          this.expect(wireType, WIRE_VARINT);
          span.statusCode = this.uint32() | 0;
          break;
        case 12:
          this.expect(wireType, WIRE_LENGTH);
          span.statusMessage = this.string(limit);
          break;
        case 13:
          this.expect(wireType, WIRE_LENGTH);
          span.serviceName = this.repeated(SLOT.serviceName, limit);
          break;
        case 16:
          this.expect(wireType, WIRE_LENGTH);
          span.attributes = this.attributes(this.lengthEnd(limit));
          break;
        case 17:
          this.expect(wireType, WIRE_LENGTH);
          span.resourceAttributes = this.attributes(this.lengthEnd(limit));
          break;
        case 23:
          this.expect(wireType, WIRE_LENGTH);
          span.genAi = this.genAi(this.lengthEnd(limit));
          break;
        default:
          this.skip(wireType, limit);
      }
    }
    if (this.pos !== limit) outOfRange();
    return span;
  }

  /** The wanted keys of an Attributes message; null when it has none of them. */
  private attributes(limit: number): LeanAttributes | null {
    const wanted = this.keys.bytes;
    let out: LeanAttributes | null = null;
    while (this.pos < limit) {
      const tag = this.uint32();
      const field = tag >>> 3;
      if ((tag & 7) !== WIRE_LENGTH || field < 1 || field > 4 || wanted.length === 0) {
        this.skip(tag & 7, limit);
        continue;
      }
      // A map entry: key (1) and value (2), in any order.
      const entryEnd = this.lengthEnd(limit);
      // Encoders write the key first: an entry whose key has no wanted key's length is skipped whole.
      if (this.buf[this.pos] === KEY_TAG) {
        const keyLength = this.buf[this.pos + 1]!;
        if (keyLength < 128 && !this.keys.lengths.has(keyLength)) {
          this.pos = entryEnd;
          continue;
        }
      }
      let keyStart = -1;
      let keyEnd = -1;
      let valueAt = -1;
      let valueWire = -1;
      while (this.pos < entryEnd) {
        const entryTag = this.uint32();
        const number = entryTag >>> 3;
        if (number === 1 && (entryTag & 7) === WIRE_LENGTH) {
          keyEnd = this.lengthEnd(entryEnd);
          keyStart = this.pos;
          this.pos = keyEnd;
          continue;
        }
        if (number === 2) {
          valueAt = this.pos;
          valueWire = entryTag & 7;
        }
        this.skip(entryTag & 7, entryEnd);
      }
      if (this.pos !== entryEnd) outOfRange();
      const keyLength = keyStart < 0 ? 0 : keyEnd - keyStart;
      for (let k = 0; k < wanted.length; k++) {
        const key = wanted[k]!;
        if (key.length !== keyLength || (keyLength > 0 && this.buf.compare(key, 0, keyLength, keyStart, keyEnd) !== 0)) continue;
        out ??= { stringValues: {}, intValues: {}, doubleValues: {}, boolValues: {} };
        this.mapValue(out, field, this.keys.names[k]!, valueAt, valueWire, entryEnd);
        break;
      }
      this.pos = entryEnd;
    }
    if (this.pos !== limit) outOfRange();
    return out;
  }

  /** One map value as the generated decoder reads it (absent: the type's default). */
  private mapValue(out: LeanAttributes, field: number, key: string, at: number, wireType: number, limit: number): void {
    if (at >= 0) this.pos = at;
    switch (field) {
      case 1:
        out.stringValues[key] = at >= 0 && wireType === WIRE_LENGTH ? this.string(limit) : '';
        return;
      case 2:
        if (at >= 0 && wireType === WIRE_VARINT) {
          this.varint64();
          out.intValues[key] = Long.fromBits(this.lo | 0, this.hi | 0, false);
        } else out.intValues[key] = 0;
        return;
      case 3:
        if (at >= 0 && wireType === WIRE_FIXED64) {
          if (at + 8 > limit) outOfRange();
          out.doubleValues[key] = this.buf.readDoubleLE(at);
        } else out.doubleValues[key] = 0;
        return;
      default:
        if (at >= 0 && wireType === WIRE_VARINT) {
          this.varint64();
          out.boolValues[key] = this.lo !== 0 || this.hi !== 0;
        } else out.boolValues[key] = false;
    }
  }

  private genAi(limit: number): LeanGenAi {
    const genAi: LeanGenAi = {
      operationName: '',
      openinferenceSpanKind: '',
      requestModel: '',
      responseModel: '',
      inputTokens: null,
      outputTokens: null,
      toolName: '',
      toolCallId: '',
      toolCallArguments: '',
      toolCallResult: '',
      agentName: '',
      inputMessages: [],
      outputMessages: [],
      systemInstructions: '',
      inputValue: '',
      outputValue: '',
      errorType: '',
    };
    let inputs = 0;
    while (this.pos < limit) {
      const tagAt = this.pos;
      const tag = this.uint32();
      const wireType = tag & 7;
      switch (tag >>> 3) {
        case 1:
          this.expect(wireType, WIRE_LENGTH);
          genAi.operationName = this.repeated(SLOT.operation, limit);
          break;
        case 2:
          this.expect(wireType, WIRE_LENGTH);
          genAi.openinferenceSpanKind = this.repeated(SLOT.operation, limit);
          break;
        case 4:
          this.expect(wireType, WIRE_LENGTH);
          genAi.requestModel = this.repeated(SLOT.model, limit);
          break;
        case 5:
          this.expect(wireType, WIRE_LENGTH);
          genAi.responseModel = this.repeated(SLOT.model, limit);
          break;
        case 6:
          this.expect(wireType, WIRE_VARINT);
          genAi.inputTokens = this.int64Number();
          break;
        case 7:
          this.expect(wireType, WIRE_VARINT);
          genAi.outputTokens = this.int64Number();
          break;
        case 9:
          this.expect(wireType, WIRE_LENGTH);
          genAi.toolName = this.repeated(SLOT.toolName, limit);
          break;
        case 10:
          this.expect(wireType, WIRE_LENGTH);
          genAi.toolCallId = this.string(limit);
          break;
        case 11:
          this.expect(wireType, WIRE_LENGTH);
          genAi.toolCallArguments = this.string(limit);
          break;
        case 12:
          this.expect(wireType, WIRE_LENGTH);
          genAi.toolCallResult = this.string(limit);
          break;
        case 14:
          this.expect(wireType, WIRE_LENGTH);
          genAi.agentName = this.repeated(SLOT.agent, limit);
          break;
        case 16: {
          if (inputs === 0) {
            inputs = this.repeatedPrefix(tagAt, limit, genAi.inputMessages);
            if (inputs > 0) break;
          }
          this.expect(wireType, WIRE_LENGTH);
          const end = this.lengthEnd(limit);
          genAi.inputMessages.push(this.inputMessage(inputs++, tagAt, end));
          this.pos = end;
          break;
        }
        case 17: {
          this.expect(wireType, WIRE_LENGTH);
          const end = this.lengthEnd(limit);
          genAi.outputMessages.push(this.message(end));
          break;
        }
        case 18:
          this.expect(wireType, WIRE_LENGTH);
          genAi.systemInstructions = this.systemInstructions(limit);
          break;
        case 19:
          this.expect(wireType, WIRE_LENGTH);
          genAi.inputValue = this.string(limit);
          break;
        case 20:
          this.expect(wireType, WIRE_LENGTH);
          genAi.outputValue = this.string(limit);
          break;
        case 23:
          this.expect(wireType, WIRE_LENGTH);
          genAi.errorType = this.string(limit);
          break;
        default:
          this.skip(wireType, limit);
      }
    }
    if (this.pos !== limit) outOfRange();
    if (inputs > 0) {
      // This span's input messages are what the next ones are compared with first.
      this.recent.unshift(this.current);
      const reused = this.recent.length > RECENT_INPUT_LISTS ? this.recent.pop()! : emptyInputList();
      reused.starts.length = 0;
      reused.ends.length = 0;
      reused.messages.length = 0;
      reused.contiguous = true;
      this.current = reused;
    }
    return genAi;
  }

  /**
   * The input messages a recent span sent, when this span's messages start with the same bytes (a
   * chat API resends the conversation): one comparison, and the decoded messages reused. Returns
   * how many, 0 when no recent span's messages are a prefix of these.
   */
  private repeatedPrefix(tagAt: number, limit: number, into: LeanMessage[]): number {
    let best: InputList | undefined;
    for (const list of this.recent) {
      if (!list.contiguous || list.messages.length === 0 || (best && list.messages.length <= best.messages.length)) continue;
      const length = list.end - list.tagStart;
      if (tagAt + length > limit || !this.same(list.tagStart, list.end, tagAt, tagAt + length)) continue;
      best = list;
    }
    if (!best) return 0;
    const shift = tagAt - best.tagStart;
    const current = this.current;
    for (let i = 0; i < best.messages.length; i++) {
      into.push(best.messages[i]!);
      current.starts.push(best.starts[i]! + shift);
      current.ends.push(best.ends[i]! + shift);
      current.messages.push(best.messages[i]!);
    }
    current.tagStart = tagAt;
    current.end = best.end + shift;
    this.pos = current.end;
    return best.messages.length;
  }

  /** Whether two byte ranges of the record are equal: short ones compared here, long ones by memcmp. */
  private same(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
    const length = aEnd - aStart;
    if (length !== bEnd - bStart) return false;
    if (length > SHORT_STRING) return this.buf.compare(this.buf, aStart, aEnd, bStart, bEnd) === 0;
    const buf = this.buf;
    for (let i = 0; i < length; i++) if (buf[aStart + i] !== buf[bStart + i]) return false;
    return true;
  }

  /** Input message `index` of a span: a recent span's decoded message at the same index when the bytes are the same. */
  private inputMessage(index: number, tagAt: number, end: number): LeanMessage {
    const start = this.pos;
    let message: LeanMessage | undefined;
    for (let r = 0; r < this.recent.length && message === undefined; r++) {
      const list = this.recent[r]!;
      if (index >= list.messages.length) continue;
      const previousStart = list.starts[index]!;
      const previousEnd = list.ends[index]!;
      if (this.same(previousStart, previousEnd, start, end)) {
        message = list.messages[index]!;
      }
    }
    message ??= this.message(end);
    const current = this.current;
    if (current.messages.length === 0) current.tagStart = tagAt;
    else if (tagAt !== current.end) current.contiguous = false;
    current.end = end;
    this.current.starts.push(start);
    this.current.ends.push(end);
    this.current.messages.push(message);
    return message;
  }

  private systemInstructions(limit: number): string {
    const end = this.lengthEnd(limit);
    const start = this.pos;
    this.pos = end;
    if (!this.same(this.systemStart, this.systemEnd, start, end)) {
      const length = end - start;
      if (length === lastPrompt.bytes.length && this.buf.compare(lastPrompt.bytes, 0, length, start, end) === 0) this.system = lastPrompt.text;
      else {
        this.system = length === 0 ? '' : this.buf.utf8Slice(start, end);
        // Kept across sessions: an agent sends the same prompt in all of them, and evaluators that
        // keep what they derive from a prompt then find it by identity.
        if (length >= 256) lastPrompt = { bytes: Buffer.from(this.buf.subarray(start, end)), text: this.system };
      }
      this.systemStart = start;
      this.systemEnd = end;
    }
    return this.system;
  }

  private message(limit: number): LeanMessage {
    const message: LeanMessage = { role: '', content: '', toolCalls: [], toolCallId: '', name: '' };
    while (this.pos < limit) {
      const tag = this.uint32();
      const wireType = tag & 7;
      switch (tag >>> 3) {
        case 1:
          this.expect(wireType, WIRE_LENGTH);
          message.role = this.repeated(SLOT.role, limit);
          break;
        case 2:
          this.expect(wireType, WIRE_LENGTH);
          message.content = this.string(limit);
          break;
        case 3: {
          this.expect(wireType, WIRE_LENGTH);
          message.toolCalls.push(this.toolCall(this.lengthEnd(limit)));
          break;
        }
        case 4:
          this.expect(wireType, WIRE_LENGTH);
          message.toolCallId = this.string(limit);
          break;
        case 5:
          this.expect(wireType, WIRE_LENGTH);
          message.name = this.repeated(SLOT.agent, limit);
          break;
        default:
          this.skip(wireType, limit);
      }
    }
    if (this.pos !== limit) outOfRange();
    return message;
  }

  private toolCall(limit: number): LeanToolCall {
    const call: LeanToolCall = { id: '', name: '', arguments: '' };
    while (this.pos < limit) {
      const tag = this.uint32();
      const wireType = tag & 7;
      switch (tag >>> 3) {
        case 1:
          this.expect(wireType, WIRE_LENGTH);
          call.id = this.string(limit);
          break;
        case 2:
          this.expect(wireType, WIRE_LENGTH);
          call.name = this.repeated(SLOT.toolName, limit);
          break;
        case 3:
          this.expect(wireType, WIRE_LENGTH);
          call.arguments = this.string(limit);
          break;
        default:
          this.skip(wireType, limit);
      }
    }
    if (this.pos !== limit) outOfRange();
    return call;
  }
}

function asBuffer(bytes: Uint8Array): Utf8Buffer {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as Utf8Buffer;
}

/**
 * Reads an encoded SessionRecord for scoring (see the file comment). `keys`: the span and resource
 * attributes to keep (those buildSessionView and the objective selectors read). Throws on
 * malformed input, like the generated decoder.
 */
export function decodeScoringRecord(bytes: Uint8Array, keys: AttributeKeys): ScoringRecord {
  return new SessionReader(asBuffer(bytes), keys).record();
}

/** What identifies a session record and its part: read without the summary, turns and spans. */
export type ScoringHeader = Pick<ScoringRecord, 'tenant' | 'sessionKey' | 'revision' | 'partIndex' | 'partCount' | 'contentDigest'>;

/** The identity and part fields of an encoded SessionRecord (throws when its top level is malformed). */
export function decodeScoringHeader(bytes: Uint8Array): ScoringHeader {
  return new SessionReader(asBuffer(bytes), NO_KEYS).record(true);
}
