// Turns and steps of a session: where the user spoke, and which LLM and tool calls followed.
//
// A turn starts at a user input. Two sources, in order of preference:
// 1. Root agent spans (no parent in the session; `invoke_agent`, OpenInference AGENT or CHAIN)
//    that carry an input: one turn per root, its input and output are the turn's.
// 2. Otherwise LLM calls: a new turn starts at each LLM call whose last user message differs
//    from the current turn's (chat APIs resend the history, so the last user message only
//    changes when the user spoke again).
// Steps go to the turn that started last before them; steps before any user input form a turn
// with an empty user_span_id. Tool calls are matched with their results by tool call id: a tool
// span carries its own result, otherwise a later LLM call's tool message does (result_span_id).
//
// Steps are written as Turn.steps fields (proto-writer.ts) as they are found: a step always goes
// to the turn opened last, so each turn's steps are one contiguous run of those bytes.
import { bytesEqual, RangeMap } from './byte-ranges.js';
import {
  G_AGENT_NAME,
  G_ERROR_TYPE,
  G_FIELDS,
  G_INPUT_VALUE,
  G_LAST_USER_INPUT,
  G_OUTPUT_TEXT,
  G_OUTPUT_VALUE,
  G_REQUEST_MODEL,
  G_REQUESTS,
  G_RESPONSE_MODEL,
  G_RESULTS,
  G_ROLE,
  G_TOOL_CALL_ID,
  G_TOOL_CALL_RESULT,
  G_TOOL_NAME,
  LIST_FIELDS,
  ROLE_AGENT,
  ROLE_CHAIN,
  ROLE_LLM,
  ROLE_NONE,
  ROLE_TOOL,
  type GenAiColumns,
} from './genai-fields.js';
import { ProtoWriter } from './proto-writer.js';
import {
  ROW_CHUNK,
  ROW_END_HI,
  ROW_END_LO,
  ROW_FIELDS,
  ROW_NAME_AT,
  ROW_NAME_LENGTH,
  ROW_PARENT_AT,
  ROW_PARENT_LENGTH,
  ROW_SPAN_AT,
  ROW_SPAN_LENGTH,
  ROW_START_HI,
  ROW_START_LO,
  ROW_STATUS,
} from './span-store.js';

// StepKind values (proto/tracebar/v1/session.proto).
const LLM_CALL = 1;
const TOOL_CALL = 2;
const OTHER = 3;
const STATUS_ERROR = 2;

/** Turn.steps: field 7 of Turn. */
const STEPS_FIELD = 7;

export interface TurnBuild {
  /** Span (log index) carrying the user input; -1 for work before any user input. */
  userSpan: number;
  userInput: string;
  /** The turn's own output (a root agent span's) as span and GenAI column; else the last LLM output within it. */
  rootOutputSpan: number;
  rootOutputColumn: number;
  lastLlmOutputSpan: number;
  startHi: number;
  startLo: number;
  endHi: number;
  endLo: number;
  /** Its steps: a range of the steps writer's bytes. */
  stepsStart: number;
  stepsEnd: number;
}

/** What the turns give the summary. */
export interface TurnTotals {
  turns: TurnBuild[];
  llmCalls: number;
  toolCalls: number;
  toolErrors: number;
  inputTokens: number;
  outputTokens: number;
  /** Distinct models and tool names, in order of first use (ranges in the map's entries). */
  models: RangeMap;
  toolNames: RangeMap;
}

// Turn start kinds per span.
const START_NONE = 0;
const START_ROOT = 1;
const START_LLM = 2;

const ERROR_PREFIX = /^\s*(?:error\b|exception\b|traceback\b|failed\b|fatal\b|\{\s*"error"\s*:)/i;
const ERROR_PREFIX_BYTES = 256;

/** Text cut to `max` UTF-16 units, decoding no more bytes than that can need. */
export function boundedText(buf: Buffer, at: number, length: number, max: number): string {
  if (length === 0) return '';
  const end = Math.min(at + length, at + max * 4 + 4);
  let value = buf.toString('utf8', at, end);
  if (value.length > max) {
    value = value.slice(0, max);
    const last = value.charCodeAt(value.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) value = value.slice(0, -1);
  }
  return value;
}

/** A tool result whose text opens like an error report ("Error: ...", {"error": ...}). */
export function looksLikeError(buf: Buffer, at: number, length: number): boolean {
  if (length === 0) return false;
  // Only a text whose first non-space character is one of these can match: skip the decoding
  // for the rest (non-ASCII first bytes may be Unicode spaces: those take the full test).
  for (let i = at, end = at + length; i < end; i++) {
    const byte = buf[i] as number;
    if (byte === 0x20 || (byte >= 0x09 && byte <= 0x0d)) continue;
    if (byte < 0x80 && !ERROR_STARTS.has(byte | 0x20)) return false;
    break;
  }
  return ERROR_PREFIX.test(buf.toString('utf8', at, Math.min(at + length, at + ERROR_PREFIX_BYTES)));
}

/** First letters (lower-cased) of the error prefixes; `{` is its own lower case ('{' | 0x20 === '{'). */
const ERROR_STARTS = new Set(['e', 't', 'f', '{'].map((c) => c.charCodeAt(0)));

/** Builds turns and steps over spans in record order; reused from session to session. */
export class TurnBuilder {
  readonly steps = new ProtoWriter();
  readonly models = new RangeMap();
  readonly toolNames = new RangeMap();
  readonly #ids = new RangeMap();
  readonly #toolResults = new RangeMap();
  readonly #toolSpanCalls = new RangeMap();
  #starts = new Uint8Array(64);
  #startInput = new Int32Array(64);
  #startOutput = new Int32Array(64);
  #idsReady = false;

  // The session being built (set by build()).
  #chunks: readonly Buffer[] = [];
  #rows: Uint32Array = new Uint32Array(0);
  #g: GenAiColumns | undefined;

  build(chunks: readonly Buffer[], rows: Uint32Array, genAi: GenAiColumns, order: Int32Array, kept: number, maxTextLength: number): TurnTotals {
    this.#chunks = chunks;
    this.#rows = rows;
    this.#g = genAi;
    this.#idsReady = false;
    this.#ids.reset(chunks);
    this.models.reset(chunks);
    this.toolNames.reset(chunks);
    this.steps.reset();
    const cols = genAi.cols;
    const spans = rows.length / ROW_FIELDS;
    if (this.#starts.length < spans) {
      this.#starts = new Uint8Array(spans * 2);
      this.#startInput = new Int32Array(spans * 2);
      this.#startOutput = new Int32Array(spans * 2);
    }
    this.#findTurnStarts(order, kept);
    this.#indexToolResults(order, kept);

    const totals: TurnTotals = { turns: [], llmCalls: 0, toolCalls: 0, toolErrors: 0, inputTokens: 0, outputTokens: 0, models: this.models, toolNames: this.toolNames };
    let current: TurnBuild | undefined;
    for (let p = 0; p < kept; p++) {
      const i = order[p] as number;
      const r = i * ROW_FIELDS;
      const g = i * G_FIELDS;
      const buf = chunks[rows[r + ROW_CHUNK] as number] as Buffer;
      const starts = this.#starts[i] as number;
      if (starts !== START_NONE) {
        if (current) current.stepsEnd = this.steps.pos;
        const input = this.#startInput[i] as number;
        current = this.#open(i, i, boundedText(buf, cols[g + input] as number, cols[g + input + 1] as number, maxTextLength));
        totals.turns.push(current);
        current.rootOutputColumn = this.#startOutput[i] as number;
        current.rootOutputSpan = current.rootOutputColumn >= 0 ? i : -1;
        if (starts === START_ROOT) continue;
      }
      const role = cols[g + G_ROLE] as number;
      if (role === ROLE_NONE || role === ROLE_CHAIN) {
        if (current) this.#extend(current, r);
        continue;
      }
      // A root agent span is the container of the work, not a step of it.
      if (role === ROLE_AGENT && this.#isRoot(i)) continue;
      if (!current) {
        current = this.#open(i, -1, '');
        totals.turns.push(current);
      }
      this.#extend(current, r);
      if (role === ROLE_LLM) this.#llmStep(current, i, totals);
      else if (role === ROLE_TOOL) this.#toolSpanStep(i, totals);
      else this.#otherStep(i);
    }
    if (current) current.stepsEnd = this.steps.pos;
    return totals;
  }

  // --- turn starts and tool results ----------------------------------------------------------

  #isRoot(i: number): boolean {
    const rows = this.#rows;
    const r = i * ROW_FIELDS;
    const length = rows[r + ROW_PARENT_LENGTH] as number;
    if (length === 0) return true;
    if (!this.#idsReady) this.#indexIds();
    return this.#ids.get(rows[r + ROW_CHUNK] as number, rows[r + ROW_PARENT_AT] as number, length) < 0;
  }

  /** Span ids of the session (after repeats were dropped), for parent lookups. */
  #indexIds(): void {
    this.#idsReady = true;
    const rows = this.#rows;
    for (let p = 0; p < this.#kept; p++) {
      const r = (this.#order[p] as number) * ROW_FIELDS;
      this.#ids.add(rows[r + ROW_CHUNK] as number, rows[r + ROW_SPAN_AT] as number, rows[r + ROW_SPAN_LENGTH] as number, 0);
    }
  }

  #order: Int32Array = new Int32Array(0);
  #kept = 0;
  /** Each kept row's place in session order. */
  #position: Int32Array = new Int32Array(0);

  #findTurnStarts(order: Int32Array, kept: number): void {
    this.#order = order;
    this.#kept = kept;
    const cols = (this.#g as GenAiColumns).cols;
    let roots = 0;
    for (let p = 0; p < kept; p++) {
      const i = order[p] as number;
      this.#starts[i] = START_NONE;
      const g = i * G_FIELDS;
      const role = cols[g + G_ROLE] as number;
      if ((role !== ROLE_AGENT && role !== ROLE_CHAIN) || !this.#isRoot(i)) continue;
      const input = (cols[g + G_LAST_USER_INPUT + 1] as number) > 0 ? G_LAST_USER_INPUT : G_INPUT_VALUE;
      if ((cols[g + input + 1] as number) === 0) continue;
      this.#starts[i] = START_ROOT;
      this.#startInput[i] = input;
      this.#startOutput[i] = (cols[g + G_OUTPUT_TEXT + 1] as number) > 0 ? G_OUTPUT_TEXT : (cols[g + G_OUTPUT_VALUE + 1] as number) > 0 ? G_OUTPUT_VALUE : -1;
      roots++;
    }
    if (roots > 0) return;
    const rows = this.#rows;
    const chunks = this.#chunks;
    let current = -1;
    for (let p = 0; p < kept; p++) {
      const i = order[p] as number;
      const g = i * G_FIELDS;
      const length = cols[g + G_LAST_USER_INPUT + 1] as number;
      if ((cols[g + G_ROLE] as number) !== ROLE_LLM || length === 0) continue;
      if (current >= 0) {
        const c = current * G_FIELDS;
        const same = bytesEqual(
          chunks[rows[current * ROW_FIELDS + ROW_CHUNK] as number] as Buffer,
          cols[c + G_LAST_USER_INPUT] as number,
          cols[c + G_LAST_USER_INPUT + 1] as number,
          chunks[rows[i * ROW_FIELDS + ROW_CHUNK] as number] as Buffer,
          cols[g + G_LAST_USER_INPUT] as number,
          length,
        );
        if (same) continue;
      }
      current = i;
      this.#starts[i] = START_LLM;
      this.#startInput[i] = G_LAST_USER_INPUT;
      this.#startOutput[i] = -1;
    }
  }

  /** Tool results carried by LLM calls' tool messages, by tool call id (first occurrence wins); tool spans' own call ids. */
  #indexToolResults(order: Int32Array, kept: number): void {
    const genAi = this.#g as GenAiColumns;
    const { cols, results } = genAi;
    const rows = this.#rows;
    this.#toolResults.reset(this.#chunks);
    this.#toolSpanCalls.reset(this.#chunks);
    if (this.#position.length < rows.length / ROW_FIELDS) this.#position = new Int32Array((rows.length / ROW_FIELDS) * 2);
    for (let p = 0; p < kept; p++) {
      const i = order[p] as number;
      this.#position[i] = p;
      const g = i * G_FIELDS;
      const role = cols[g + G_ROLE] as number;
      const chunk = rows[i * ROW_FIELDS + ROW_CHUNK] as number;
      if (role === ROLE_LLM) {
        const first = cols[g + G_RESULTS] as number;
        const end = first + (cols[g + G_RESULTS + 1] as number);
        for (let e = first; e < end; e++) {
          const length = results[e * LIST_FIELDS + 1] as number;
          if (length > 0) this.#toolResults.add(chunk, results[e * LIST_FIELDS] as number, length, e);
        }
      } else if (role === ROLE_TOOL && (cols[g + G_TOOL_CALL_ID + 1] as number) > 0) {
        this.#toolSpanCalls.add(chunk, cols[g + G_TOOL_CALL_ID] as number, cols[g + G_TOOL_CALL_ID + 1] as number, i);
      }
    }
  }

  // --- turns ---------------------------------------------------------------------------------

  #open(i: number, userSpan: number, userInput: string): TurnBuild {
    const rows = this.#rows;
    const r = i * ROW_FIELDS;
    return {
      userSpan,
      userInput,
      rootOutputSpan: -1,
      rootOutputColumn: -1,
      lastLlmOutputSpan: -1,
      startHi: rows[r + ROW_START_HI] as number,
      startLo: rows[r + ROW_START_LO] as number,
      endHi: rows[r + ROW_END_HI] as number,
      endLo: rows[r + ROW_END_LO] as number,
      stepsStart: this.steps.pos,
      stepsEnd: this.steps.pos,
    };
  }

  #extend(turn: TurnBuild, r: number): void {
    const rows = this.#rows;
    const hi = rows[r + ROW_END_HI] as number;
    const lo = rows[r + ROW_END_LO] as number;
    if (turn.endHi < hi || (turn.endHi === hi && turn.endLo < lo)) {
      turn.endHi = hi;
      turn.endLo = lo;
    }
  }

  // --- steps (Step fields in number order, as the generated encoder writes them) -------------

  #failed(i: number): boolean {
    const cols = (this.#g as GenAiColumns).cols;
    return this.#rows[i * ROW_FIELDS + ROW_STATUS] === STATUS_ERROR || (cols[i * G_FIELDS + G_ERROR_TYPE + 1] as number) > 0;
  }

  /** Kind and span id: fields 1 and 2 of a Step. */
  #stepStart(kind: number, i: number): void {
    const rows = this.#rows;
    const r = i * ROW_FIELDS;
    const w = this.steps;
    w.fork(STEPS_FIELD);
    w.uint32Field(1, kind);
    w.latin1Field(2, this.#chunks[rows[r + ROW_CHUNK] as number] as Buffer, rows[r + ROW_SPAN_AT] as number, rows[r + ROW_SPAN_LENGTH] as number);
  }

  /** Name: the first non-empty of GenAI columns, else the span name (field 3). */
  #name(i: number, first: number, second: number): void {
    const cols = (this.#g as GenAiColumns).cols;
    const rows = this.#rows;
    const g = i * G_FIELDS;
    const r = i * ROW_FIELDS;
    const buf = this.#chunks[rows[r + ROW_CHUNK] as number] as Buffer;
    if ((cols[g + first + 1] as number) > 0) this.steps.utf8Field(3, buf, cols[g + first] as number, cols[g + first + 1] as number);
    else if ((cols[g + second + 1] as number) > 0) this.steps.utf8Field(3, buf, cols[g + second] as number, cols[g + second + 1] as number);
    else this.steps.utf8Field(3, buf, rows[r + ROW_NAME_AT] as number, rows[r + ROW_NAME_LENGTH] as number);
  }

  #times(startLo: number, startHi: number, endLo: number, endHi: number): void {
    this.steps.fixed64Field(7, startLo, startHi);
    this.steps.fixed64Field(8, endLo, endHi);
  }

  #llmStep(turn: TurnBuild, i: number, totals: TurnTotals): void {
    const genAi = this.#g as GenAiColumns;
    const { cols, requests, results, tokens } = genAi;
    const rows = this.#rows;
    const r = i * ROW_FIELDS;
    const g = i * G_FIELDS;
    const chunk = rows[r + ROW_CHUNK] as number;
    const buf = this.#chunks[chunk] as Buffer;
    const w = this.steps;
    const firstRequest = cols[g + G_REQUESTS] as number;
    const requestCount = cols[g + G_REQUESTS + 1] as number;
    const inputTokens = Number.isNaN(tokens[i * 2]) ? 0 : (tokens[i * 2] as number);
    const outputTokens = Number.isNaN(tokens[i * 2 + 1]) ? 0 : (tokens[i * 2 + 1] as number);

    this.#stepStart(LLM_CALL, i);
    this.#name(i, G_REQUEST_MODEL, G_RESPONSE_MODEL);
    if (requestCount === 1) w.utf8Field(4, buf, requests[firstRequest * LIST_FIELDS] as number, requests[firstRequest * LIST_FIELDS + 1] as number);
    else w.rawField(4, buf, 0, 0);
    w.boolField(6, this.#failed(i));
    this.#times(rows[r + ROW_START_LO] as number, rows[r + ROW_START_HI] as number, rows[r + ROW_END_LO] as number, rows[r + ROW_END_HI] as number);
    w.int64Field(9, inputTokens);
    w.int64Field(10, outputTokens);
    w.ldelim();

    totals.llmCalls++;
    totals.inputTokens += inputTokens;
    totals.outputTokens += outputTokens;
    const model = (cols[g + G_REQUEST_MODEL + 1] as number) > 0 ? G_REQUEST_MODEL : G_RESPONSE_MODEL;
    if ((cols[g + model + 1] as number) > 0) this.models.add(chunk, cols[g + model] as number, cols[g + model + 1] as number, 0);
    if ((cols[g + G_OUTPUT_TEXT + 1] as number) > 0) turn.lastLlmOutputSpan = i;

    // Tool calls the model asked for that no tool span reports: the step is the request, the
    // result is the tool message of a later LLM call.
    for (let q = firstRequest; q < firstRequest + requestCount; q++) {
      const e = q * LIST_FIELDS;
      const idAt = requests[e] as number;
      const idLength = requests[e + 1] as number;
      if (idLength > 0 && this.#toolSpanCalls.get(chunk, idAt, idLength) >= 0) continue;
      const answer = idLength === 0 ? -1 : this.#toolResults.get(chunk, idAt, idLength);
      const a = answer * LIST_FIELDS;
      const answerSpan = answer < 0 ? -1 : (results[a + 4] as number);
      const answerRow = answerSpan * ROW_FIELDS;
      const answerBuf = answer < 0 ? buf : (this.#chunks[rows[answerRow + ROW_CHUNK] as number] as Buffer);
      const error = answer >= 0 && looksLikeError(answerBuf, results[a + 2] as number, results[a + 3] as number);
      this.#stepStart(TOOL_CALL, i);
      w.utf8Field(3, buf, requests[e + 2] as number, requests[e + 3] as number);
      w.utf8Field(4, buf, idAt, idLength);
      if (answer >= 0) w.latin1Field(5, answerBuf, rows[answerRow + ROW_SPAN_AT] as number, rows[answerRow + ROW_SPAN_LENGTH] as number);
      else w.rawField(5, buf, 0, 0);
      w.boolField(6, error);
      if (answer >= 0) this.#times(rows[r + ROW_END_LO] as number, rows[r + ROW_END_HI] as number, rows[answerRow + ROW_START_LO] as number, rows[answerRow + ROW_START_HI] as number);
      else this.#times(rows[r + ROW_END_LO] as number, rows[r + ROW_END_HI] as number, rows[r + ROW_END_LO] as number, rows[r + ROW_END_HI] as number);
      w.ldelim();
      this.#countTool(error, chunk, requests[e + 2] as number, requests[e + 3] as number, totals);
    }
  }

  #toolSpanStep(i: number, totals: TurnTotals): void {
    const genAi = this.#g as GenAiColumns;
    const { cols, results } = genAi;
    const rows = this.#rows;
    const r = i * ROW_FIELDS;
    const g = i * G_FIELDS;
    const chunk = rows[r + ROW_CHUNK] as number;
    const buf = this.#chunks[chunk] as Buffer;
    const w = this.steps;
    const ownResult = (cols[g + G_TOOL_CALL_RESULT + 1] as number) > 0;
    const idAt = cols[g + G_TOOL_CALL_ID] as number;
    const idLength = cols[g + G_TOOL_CALL_ID + 1] as number;
    let answer = ownResult || idLength === 0 ? -1 : this.#toolResults.get(chunk, idAt, idLength);
    // A tool message from before the call answers an earlier call that reused the id.
    if (answer >= 0 && (this.#position[results[answer * LIST_FIELDS + 4] as number] as number) < (this.#position[i] as number)) answer = -1;
    const a = answer * LIST_FIELDS;
    const answerRow = answer < 0 ? -1 : (results[a + 4] as number) * ROW_FIELDS;
    const answerBuf = answer < 0 ? buf : (this.#chunks[rows[answerRow + ROW_CHUNK] as number] as Buffer);
    const error =
      this.#failed(i) ||
      looksLikeError(buf, cols[g + G_TOOL_CALL_RESULT] as number, cols[g + G_TOOL_CALL_RESULT + 1] as number) ||
      (answer >= 0 && looksLikeError(answerBuf, results[a + 2] as number, results[a + 3] as number));

    this.#stepStart(TOOL_CALL, i);
    this.#name(i, G_TOOL_NAME, G_TOOL_NAME);
    w.utf8Field(4, buf, idAt, idLength);
    if (answer >= 0) w.latin1Field(5, answerBuf, rows[answerRow + ROW_SPAN_AT] as number, rows[answerRow + ROW_SPAN_LENGTH] as number);
    else w.rawField(5, buf, 0, 0);
    w.boolField(6, error);
    this.#times(rows[r + ROW_START_LO] as number, rows[r + ROW_START_HI] as number, rows[r + ROW_END_LO] as number, rows[r + ROW_END_HI] as number);
    w.ldelim();
    const nameColumn = (cols[g + G_TOOL_NAME + 1] as number) > 0;
    this.#countTool(
      error,
      chunk,
      nameColumn ? (cols[g + G_TOOL_NAME] as number) : (rows[r + ROW_NAME_AT] as number),
      nameColumn ? (cols[g + G_TOOL_NAME + 1] as number) : (rows[r + ROW_NAME_LENGTH] as number),
      totals,
    );
  }

  #otherStep(i: number): void {
    const rows = this.#rows;
    const r = i * ROW_FIELDS;
    const w = this.steps;
    this.#stepStart(OTHER, i);
    const cols = (this.#g as GenAiColumns).cols;
    const g = i * G_FIELDS;
    // agent name, else request model, else the span name.
    if ((cols[g + G_AGENT_NAME + 1] as number) > 0) this.#name(i, G_AGENT_NAME, G_AGENT_NAME);
    else this.#name(i, G_REQUEST_MODEL, G_REQUEST_MODEL);
    w.boolField(6, this.#failed(i));
    this.#times(rows[r + ROW_START_LO] as number, rows[r + ROW_START_HI] as number, rows[r + ROW_END_LO] as number, rows[r + ROW_END_HI] as number);
    w.ldelim();
  }

  #countTool(error: boolean, chunk: number, nameAt: number, nameLength: number, totals: TurnTotals): void {
    totals.toolCalls++;
    if (error) totals.toolErrors++;
    if (nameLength > 0) this.toolNames.add(chunk, nameAt, nameLength, 0);
  }
}
