// What assembling a closed session needs of each span, read straight from its encoded bytes.
// Attribute maps, events, links and message texts that no turn or summary field uses are
// skipped; texts that might be used are kept as byte ranges and decoded only when they are.
import { MalformedMessageError, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT, WireReader } from './wire-reader.js';

/** A byte range of a UTF-8 string inside the span's bytes. */
export interface TextRange {
  start: number;
  end: number;
}

export interface ToolCallRequest {
  id: string;
  name: string;
}

export interface ToolResult {
  toolCallId: string;
  content: TextRange | undefined;
}

export interface GenAiView {
  operationName: string;
  openinferenceKind: string;
  requestModel: string;
  responseModel: string;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  toolName: string;
  toolCallId: string;
  toolCallResult: TextRange | undefined;
  agentName: string;
  errorType: string;
  inputValue: TextRange | undefined;
  outputValue: TextRange | undefined;
  /** Content of the last input message with role "user". */
  lastUserInput: TextRange | undefined;
  /** Input messages with role "tool": results of earlier tool calls (shared empty array when none). */
  toolResults: ToolResult[];
  /** Content of the last non-empty output message that is not a tool message. */
  outputText: TextRange | undefined;
  /** Tool calls the model asked for in its output messages (shared empty array when none). */
  toolCallRequests: ToolCallRequest[];
}

const NONE: never[] = [];

export interface SpanView {
  bytes: Buffer;
  /** Strings most spans of a session repeat or few readers need: decode with text(). */
  tenant: TextRange | undefined;
  sessionKey: TextRange | undefined;
  name: TextRange | undefined;
  sessionKeySource: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  /** Exact fixed64 times as unsigned 32-bit halves (for ordering and output without loss). */
  startHi: number;
  startLo: number;
  endHi: number;
  endLo: number;
  statusCode: number;
  serviceName: TextRange | undefined;
  serviceVersion: TextRange | undefined;
  genAi: GenAiView | undefined;
}

export function text(view: SpanView, range: TextRange | undefined): string {
  return range ? view.bytes.toString('utf8', range.start, range.end) : '';
}

function range(reader: WireReader): TextRange {
  const length = reader.length();
  const result = { start: reader.pos, end: reader.pos + length };
  reader.pos += length;
  return result;
}

function needFixed64(reader: WireReader): void {
  if (reader.pos + 8 > reader.end) throw new MalformedMessageError('truncated fixed64');
}

/** int64 token counts; a negative (10-byte) varint is nonsense for a count and reads as absent. */
function count(reader: WireReader): number | undefined {
  const value = reader.varint();
  return value > Number.MAX_SAFE_INTEGER ? undefined : value;
}

export function readSpanView(bytes: Buffer): SpanView {
  const view: SpanView = {
    bytes,
    tenant: undefined,
    sessionKey: undefined,
    name: undefined,
    sessionKeySource: 0,
    traceId: '',
    spanId: '',
    parentSpanId: '',
    kind: 0,
    startHi: 0,
    startLo: 0,
    endHi: 0,
    endLo: 0,
    statusCode: 0,
    serviceName: undefined,
    serviceVersion: undefined,
    genAi: undefined,
  };
  const reader = new WireReader(bytes);
  while (reader.more()) {
    const tag = reader.varint();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === WIRE_LENGTH_DELIMITED) {
      switch (field) {
        case 1:
          view.tenant = range(reader);
          continue;
        case 2:
          view.sessionKey = range(reader);
          continue;
        case 4:
          view.traceId = reader.ascii();
          continue;
        case 5:
          view.spanId = reader.ascii();
          continue;
        case 6:
          view.parentSpanId = reader.ascii();
          continue;
        case 7:
          view.name = range(reader);
          continue;
        case 13:
          view.serviceName = range(reader);
          continue;
        case 14:
          view.serviceVersion = range(reader);
          continue;
        case 23: {
          const length = reader.length();
          view.genAi = readGenAi(new WireReader(bytes, reader.pos, reader.pos + length));
          reader.pos += length;
          continue;
        }
      }
    } else if (wireType === WIRE_VARINT) {
      if (field === 3) {
        view.sessionKeySource = reader.varint();
        continue;
      }
      if (field === 8) {
        view.kind = reader.varint();
        continue;
      }
      if (field === 11) {
        view.statusCode = reader.varint();
        continue;
      }
    } else if (wireType === WIRE_FIXED64) {
      if (field === 9 || field === 10) {
        needFixed64(reader);
        const lo = bytes.readUInt32LE(reader.pos);
        const hi = bytes.readUInt32LE(reader.pos + 4);
        reader.pos += 8;
        if (field === 9) {
          view.startHi = hi;
          view.startLo = lo;
        } else {
          view.endHi = hi;
          view.endLo = lo;
        }
        continue;
      }
    }
    reader.skip(wireType);
  }
  return view;
}

function readGenAi(reader: WireReader): GenAiView {
  const genAi: GenAiView = {
    operationName: '',
    openinferenceKind: '',
    requestModel: '',
    responseModel: '',
    inputTokens: undefined,
    outputTokens: undefined,
    toolName: '',
    toolCallId: '',
    toolCallResult: undefined,
    agentName: '',
    errorType: '',
    inputValue: undefined,
    outputValue: undefined,
    lastUserInput: undefined,
    toolResults: NONE,
    outputText: undefined,
    toolCallRequests: NONE,
  };
  while (reader.more()) {
    const tag = reader.varint();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === WIRE_LENGTH_DELIMITED) {
      switch (field) {
        case 1:
          genAi.operationName = reader.ascii();
          continue;
        case 2:
          genAi.openinferenceKind = reader.ascii();
          continue;
        case 4:
          genAi.requestModel = reader.string();
          continue;
        case 5:
          genAi.responseModel = reader.string();
          continue;
        case 9:
          genAi.toolName = reader.string();
          continue;
        case 10:
          genAi.toolCallId = reader.string();
          continue;
        case 12:
          genAi.toolCallResult = range(reader);
          continue;
        case 14:
          genAi.agentName = reader.string();
          continue;
        case 16:
          readInputMessage(reader, genAi);
          continue;
        case 17:
          readOutputMessage(reader, genAi);
          continue;
        case 19:
          genAi.inputValue = range(reader);
          continue;
        case 20:
          genAi.outputValue = range(reader);
          continue;
        case 23:
          genAi.errorType = reader.string();
          continue;
      }
    } else if (wireType === WIRE_VARINT) {
      if (field === 6) {
        genAi.inputTokens = count(reader);
        continue;
      }
      if (field === 7) {
        genAi.outputTokens = count(reader);
        continue;
      }
    }
    reader.skip(wireType);
  }
  return genAi;
}

interface MessageFields {
  role: string;
  content: TextRange | undefined;
  toolCallId: string;
  toolCalls: ToolCallRequest[] | undefined;
}

// GenAiMessage: role 1, content 2, tool_calls 3 (GenAiToolCall: id 1, name 2), tool_call_id 4.
function readMessage(outer: WireReader, withToolCalls: boolean): MessageFields {
  const length = outer.length();
  const reader = new WireReader(outer.buf, outer.pos, outer.pos + length);
  outer.pos += length;
  const message: MessageFields = { role: '', content: undefined, toolCallId: '', toolCalls: undefined };
  while (reader.more()) {
    const tag = reader.varint();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === WIRE_LENGTH_DELIMITED) {
      if (field === 1) {
        message.role = reader.ascii();
        continue;
      }
      if (field === 2) {
        message.content = range(reader);
        continue;
      }
      if (field === 4) {
        message.toolCallId = reader.string();
        continue;
      }
      if (field === 3 && withToolCalls) {
        (message.toolCalls ??= []).push(readToolCall(reader));
        continue;
      }
    }
    reader.skip(wireType);
  }
  return message;
}

function readToolCall(outer: WireReader): ToolCallRequest {
  const length = outer.length();
  const reader = new WireReader(outer.buf, outer.pos, outer.pos + length);
  outer.pos += length;
  const call: ToolCallRequest = { id: '', name: '' };
  while (reader.more()) {
    const tag = reader.varint();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === WIRE_LENGTH_DELIMITED && field === 1) call.id = reader.string();
    else if (wireType === WIRE_LENGTH_DELIMITED && field === 2) call.name = reader.string();
    else reader.skip(wireType);
  }
  return call;
}

function readInputMessage(reader: WireReader, genAi: GenAiView): void {
  const message = readMessage(reader, false);
  const role = message.role.toLowerCase();
  if (role === 'user' && message.content && message.content.end > message.content.start) genAi.lastUserInput = message.content;
  else if (role === 'tool') {
    if (genAi.toolResults === NONE) genAi.toolResults = [];
    genAi.toolResults.push({ toolCallId: message.toolCallId, content: message.content });
  }
}

function readOutputMessage(reader: WireReader, genAi: GenAiView): void {
  const message = readMessage(reader, true);
  if (message.toolCalls) genAi.toolCallRequests = genAi.toolCallRequests === NONE ? message.toolCalls : genAi.toolCallRequests.concat(message.toolCalls);
  if (message.role.toLowerCase() !== 'tool' && message.content && message.content.end > message.content.start) genAi.outputText = message.content;
}
