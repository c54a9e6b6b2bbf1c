// What turns, steps and the summary need of each span's GenAI message, read from its bytes into
// columns of numbers (byte ranges into the span's chunk, counts, a role code): no object and no
// string per span. Attribute maps, message texts and arguments are skipped by length; texts that
// may be used are kept as ranges and decoded only when a turn or the summary takes them.
import { equalsAscii, equalsIgnoringCase } from './byte-ranges.js';
import { WIRE_LENGTH_DELIMITED, WIRE_VARINT, WireReader } from './wire-reader.js';

// Roles of a span in an agent session (OTel GenAI `gen_ai.operation.name` first, then OpenInference's span kind).
export const ROLE_NONE = 0;
export const ROLE_LLM = 1;
export const ROLE_TOOL = 2;
export const ROLE_AGENT = 3;
export const ROLE_CHAIN = 4;
export const ROLE_OTHER = 5;

// Column layout per span (ranges: at, length; length 0 means absent or empty, the same here).
export const G_ROLE = 0;
export const G_REQUEST_MODEL = 1;
export const G_RESPONSE_MODEL = 3;
export const G_TOOL_NAME = 5;
export const G_TOOL_CALL_ID = 7;
export const G_TOOL_CALL_RESULT = 9;
export const G_AGENT_NAME = 11;
export const G_ERROR_TYPE = 13;
export const G_INPUT_VALUE = 15;
export const G_OUTPUT_VALUE = 17;
/** Content of the last input message with role "user" and some content. */
export const G_LAST_USER_INPUT = 19;
/** Content of the last non-empty output message that is not a tool message. */
export const G_OUTPUT_TEXT = 21;
/** Input messages with role "tool" (results of earlier tool calls): first index and count in `results`. */
export const G_RESULTS = 23;
/** Tool calls the model asked for in its output messages: first index and count in `requests`. */
export const G_REQUESTS = 25;
const G_OPERATION = 27;
const G_KIND = 29;
export const G_FIELDS = 31;

/** `results` entries: tool call id (at, length), content (at, length), span. `requests`: id, name, span. */
export const LIST_FIELDS = 5;

const NO_TOKENS = Number.NaN;

export class GenAiColumns {
  /** G_FIELDS numbers per span. */
  cols: Int32Array = new Int32Array(64 * G_FIELDS);
  /** Input and output tokens per span; NaN when not reported. */
  tokens: Float64Array = new Float64Array(64 * 2);
  results: Int32Array = new Int32Array(64 * LIST_FIELDS);
  resultCount = 0;
  requests: Int32Array = new Int32Array(64 * LIST_FIELDS);
  requestCount = 0;
  /** The span being read. */
  #span = 0;

  /** Room for `spans` spans; forgets list entries. */
  reset(spans: number): void {
    if (spans * G_FIELDS > this.cols.length) {
      this.cols = new Int32Array(spans * G_FIELDS * 2);
      this.tokens = new Float64Array(spans * 4);
    } else if (this.cols.length > 4_096 * G_FIELDS && spans < 1_024) {
      // Shrink after a large session.
      this.cols = new Int32Array(64 * G_FIELDS);
      this.tokens = new Float64Array(64 * 2);
      this.results = new Int32Array(64 * LIST_FIELDS);
      this.requests = new Int32Array(64 * LIST_FIELDS);
    }
    this.resultCount = 0;
    this.requestCount = 0;
  }

  /** Reads span `index`'s GenAI message (`length` 0: none); throws MalformedMessageError on bad bytes. */
  read(index: number, buf: Buffer, at: number, length: number): void {
    const g = index * G_FIELDS;
    this.#span = index;
    this.cols.fill(0, g, g + G_FIELDS);
    this.tokens[index * 2] = NO_TOKENS;
    this.tokens[index * 2 + 1] = NO_TOKENS;
    if (length === 0) return;
    this.cols[g + G_RESULTS] = this.resultCount;
    this.cols[g + G_REQUESTS] = this.requestCount;
    const reader = new WireReader(buf, at, at + length);
    while (reader.more()) {
      const tag = reader.varint();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (wireType === WIRE_LENGTH_DELIMITED) {
        const column = RANGE_COLUMNS[field] ?? -1;
        if (column >= 0) {
          this.#range(reader, g + column);
          continue;
        }
        if (field === 16) {
          this.#inputMessage(reader, g);
          continue;
        }
        if (field === 17) {
          this.#outputMessage(reader, g);
          continue;
        }
      } else if (wireType === WIRE_VARINT && (field === 6 || field === 7)) {
        // int64 counts; a negative (10-byte) varint is nonsense for a count and reads as absent.
        const value = reader.varint();
        this.tokens[index * 2 + field - 6] = value > Number.MAX_SAFE_INTEGER ? NO_TOKENS : value;
        continue;
      }
      reader.skip(wireType);
    }
    this.cols[g + G_RESULTS + 1] = this.resultCount - (this.cols[g + G_RESULTS] as number);
    this.cols[g + G_REQUESTS + 1] = this.requestCount - (this.cols[g + G_REQUESTS] as number);
    this.cols[g + G_ROLE] = this.#role(buf, g);
  }

  #range(reader: WireReader, column: number): void {
    const length = reader.length();
    this.cols[column] = reader.pos;
    this.cols[column + 1] = length;
    reader.pos += length;
  }

  // GenAiMessage: role 1, content 2, tool_calls 3 (GenAiToolCall: id 1, name 2), tool_call_id 4.
  #inputMessage(outer: WireReader, g: number): void {
    const length = outer.length();
    const reader = new WireReader(outer.buf, outer.pos, outer.pos + length);
    outer.pos += length;
    let roleAt = 0;
    let roleLength = 0;
    let contentAt = 0;
    let contentLength = 0;
    let idAt = 0;
    let idLength = 0;
    while (reader.more()) {
      const tag = reader.varint();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (wireType === WIRE_LENGTH_DELIMITED && (field === 1 || field === 2 || field === 4)) {
        const size = reader.length();
        if (field === 1) {
          roleAt = reader.pos;
          roleLength = size;
        } else if (field === 2) {
          contentAt = reader.pos;
          contentLength = size;
        } else {
          idAt = reader.pos;
          idLength = size;
        }
        reader.pos += size;
        continue;
      }
      reader.skip(wireType);
    }
    const buf = reader.buf;
    if (contentLength > 0 && equalsIgnoringCase(buf, roleAt, roleLength, 'user')) {
      this.cols[g + G_LAST_USER_INPUT] = contentAt;
      this.cols[g + G_LAST_USER_INPUT + 1] = contentLength;
    } else if (equalsIgnoringCase(buf, roleAt, roleLength, 'tool')) {
      this.results = pushEntry(this.results, this.resultCount++, idAt, idLength, contentAt, contentLength, this.#span);
    }
  }

  #outputMessage(outer: WireReader, g: number): void {
    const length = outer.length();
    const reader = new WireReader(outer.buf, outer.pos, outer.pos + length);
    outer.pos += length;
    let roleAt = 0;
    let roleLength = 0;
    let contentAt = 0;
    let contentLength = 0;
    while (reader.more()) {
      const tag = reader.varint();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (wireType === WIRE_LENGTH_DELIMITED && (field === 1 || field === 2)) {
        const size = reader.length();
        if (field === 1) {
          roleAt = reader.pos;
          roleLength = size;
        } else {
          contentAt = reader.pos;
          contentLength = size;
        }
        reader.pos += size;
        continue;
      }
      if (wireType === WIRE_LENGTH_DELIMITED && field === 3) {
        this.#toolCall(reader);
        continue;
      }
      reader.skip(wireType);
    }
    if (contentLength > 0 && !equalsIgnoringCase(reader.buf, roleAt, roleLength, 'tool')) {
      this.cols[g + G_OUTPUT_TEXT] = contentAt;
      this.cols[g + G_OUTPUT_TEXT + 1] = contentLength;
    }
  }

  #toolCall(outer: WireReader): void {
    const length = outer.length();
    const reader = new WireReader(outer.buf, outer.pos, outer.pos + length);
    outer.pos += length;
    let idAt = 0;
    let idLength = 0;
    let nameAt = 0;
    let nameLength = 0;
    while (reader.more()) {
      const tag = reader.varint();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (wireType === WIRE_LENGTH_DELIMITED && (field === 1 || field === 2)) {
        const size = reader.length();
        if (field === 1) {
          idAt = reader.pos;
          idLength = size;
        } else {
          nameAt = reader.pos;
          nameLength = size;
        }
        reader.pos += size;
        continue;
      }
      reader.skip(wireType);
    }
    this.requests = pushEntry(this.requests, this.requestCount++, idAt, idLength, nameAt, nameLength, this.#span);
  }

  #role(buf: Buffer, g: number): number {
    // Plain calls, no closures: this runs for every span.
    const cols = this.cols;
    const opAt = cols[g + G_OPERATION] as number;
    const opLength = cols[g + G_OPERATION + 1] as number;
    const kindAt = cols[g + G_KIND] as number;
    const kindLength = cols[g + G_KIND + 1] as number;
    if (equalsAscii(buf, opAt, opLength, 'execute_tool') || equalsIgnoringCase(buf, kindAt, kindLength, 'tool')) return ROLE_TOOL;
    if (
      equalsAscii(buf, opAt, opLength, 'chat') ||
      equalsAscii(buf, opAt, opLength, 'text_completion') ||
      equalsAscii(buf, opAt, opLength, 'generate_content') ||
      equalsAscii(buf, opAt, opLength, 'completion') ||
      equalsIgnoringCase(buf, kindAt, kindLength, 'llm')
    ) {
      return ROLE_LLM;
    }
    if (equalsAscii(buf, opAt, opLength, 'invoke_agent') || equalsAscii(buf, opAt, opLength, 'create_agent') || equalsIgnoringCase(buf, kindAt, kindLength, 'agent')) return ROLE_AGENT;
    if (equalsIgnoringCase(buf, kindAt, kindLength, 'chain')) return ROLE_CHAIN;
    if (equalsAscii(buf, opAt, opLength, 'embeddings')) return ROLE_OTHER;
    for (const kind of OTHER_KINDS) if (equalsIgnoringCase(buf, kindAt, kindLength, kind)) return ROLE_OTHER;
    if (opLength === 0 && kindLength === 0) {
      // Neither convention named the operation: judge by what the span carries.
      const asks = (cols[g + G_LAST_USER_INPUT + 1] as number) > 0 || (cols[g + G_OUTPUT_TEXT + 1] as number) > 0 || (cols[g + G_REQUESTS + 1] as number) > 0;
      if ((cols[g + G_REQUEST_MODEL + 1] as number) > 0 && asks) return ROLE_LLM;
      if ((cols[g + G_TOOL_NAME + 1] as number) > 0) return ROLE_TOOL;
    }
    return ROLE_NONE;
  }
}

const OTHER_KINDS = ['retriever', 'embedding', 'reranker', 'guardrail', 'evaluator'];

/** Column of each GenAi string field kept as a range, by field number (-1: not kept). */
const RANGE_COLUMNS: readonly number[] = (() => {
  const columns = new Array<number>(25).fill(-1);
  columns[1] = G_OPERATION;
  columns[2] = G_KIND;
  columns[4] = G_REQUEST_MODEL;
  columns[5] = G_RESPONSE_MODEL;
  columns[9] = G_TOOL_NAME;
  columns[10] = G_TOOL_CALL_ID;
  columns[12] = G_TOOL_CALL_RESULT;
  columns[14] = G_AGENT_NAME;
  columns[19] = G_INPUT_VALUE;
  columns[20] = G_OUTPUT_VALUE;
  columns[23] = G_ERROR_TYPE;
  return columns;
})();

function pushEntry(list: Int32Array, index: number, a: number, b: number, c: number, d: number, span: number): Int32Array {
  let target = list;
  if ((index + 1) * LIST_FIELDS > target.length) {
    target = new Int32Array(target.length * 2);
    target.set(list);
  }
  const e = index * LIST_FIELDS;
  target[e] = a;
  target[e + 1] = b;
  target[e + 2] = c;
  target[e + 3] = d;
  target[e + 4] = span;
  return target;
}
