// buildSessionView: a decoded SessionRecord (parts joined) -> SessionView. One pass over the spans in
// record order (start time, then span id). Chat APIs resend the history with every LLM call, so each call
// contributes only what is new in its input: the messages after the last assistant message, or after the
// prefix the previous call of the same agent sent.
// The scorer does not decode records whole: services/scorer/src/scoring-record.ts reads only the fields read
// here (and SESSION_VIEW_ATTRIBUTE_KEYS). A field newly read here must be read there too; the scorer's
// test/scoring-record.test.ts compares the views of both over real sessions.
import type { IGenAi, IGenAiMessage, ISessionRecord, ISpanRecord } from '@tracebar/proto';
import { estimateTokens, opensLikeError } from '../text.js';
import type {
  LlmCallView,
  MessageView,
  SessionView,
  SpanInfo,
  SpanRole,
  SpanStatus,
  TimelineEntry,
  ToolCallView,
  TurnView,
} from './session-view.js';

type LongLike = { toNumber(): number } | number | string | null | undefined;

function num(value: LongLike): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return value.toNumber();
}

const LLM_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'completion']);
const AGENT_OPERATIONS = new Set(['invoke_agent', 'create_agent']);
const OTHER_OPERATIONS = new Set(['embeddings']);
const OTHER_OPENINFERENCE = new Set(['RETRIEVER', 'EMBEDDING', 'RERANKER', 'GUARDRAIL', 'EVALUATOR']);

/** The same classification as the sessionizer's (services/sessionizer/src/span-kinds.ts). */
function roleOf(genAi: IGenAi | null | undefined): SpanRole {
  if (!genAi) return 'none';
  const operation = genAi.operationName ?? '';
  const kind = (genAi.openinferenceSpanKind ?? '').toUpperCase();
  if (operation === 'execute_tool' || kind === 'TOOL') return 'tool';
  if (LLM_OPERATIONS.has(operation) || kind === 'LLM') return 'llm';
  if (AGENT_OPERATIONS.has(operation) || kind === 'AGENT') return 'agent';
  if (kind === 'CHAIN') return 'chain';
  if (OTHER_OPERATIONS.has(operation) || OTHER_OPENINFERENCE.has(kind)) return 'other';
  if (operation === '' && kind === '') {
    const hasOutput = (genAi.outputMessages?.length ?? 0) > 0 || (genAi.inputMessages?.length ?? 0) > 0;
    if ((genAi.requestModel ?? '') !== '' && hasOutput) return 'llm';
    if ((genAi.toolName ?? '') !== '') return 'tool';
  }
  return 'none';
}

function statusOf(code: unknown): SpanStatus {
  if (code === 2 || code === 'STATUS_CODE_ERROR') return 'error';
  if (code === 1 || code === 'STATUS_CODE_OK') return 'ok';
  return 'unset';
}

/** The only span attributes the view reads (a reader that decodes selectively needs just these). */
export const SESSION_VIEW_ATTRIBUTE_KEYS: readonly string[] = Object.freeze(['http.response.status_code', 'http.status_code']);

function httpStatusOf(span: ISpanRecord): number {
  const attributes = span.attributes;
  if (!attributes) return 0;
  const fromInt = attributes.intValues?.['http.response.status_code'] ?? attributes.intValues?.['http.status_code'];
  if (fromInt !== undefined) return num(fromInt);
  const fromString = attributes.stringValues?.['http.response.status_code'];
  return fromString ? Number(fromString) || 0 : 0;
}

interface PrefixState {
  count: number;
  firstText: string;
}

class ViewBuilder {
  readonly spans: SpanInfo[] = [];
  readonly spanById = new Map<string, SpanInfo>();
  readonly timeline: TimelineEntry[] = [];
  readonly messages: MessageView[] = [];
  readonly userMessages: MessageView[] = [];
  readonly assistantMessages: MessageView[] = [];
  readonly toolCalls: ToolCallView[] = [];
  readonly llmCalls: LlmCallView[] = [];
  readonly callsById = new Map<string, ToolCallView>();
  readonly toolSpanCallIds = new Set<string>();
  readonly prefixByAgent = new Map<string, PrefixState>();
  readonly agents: string[] = [];
  readonly agentNames = new Set<string>();
  readonly models: string[] = [];
  systemPrompt = '';
  lastUserText = '';
  rootOutput = '';
  rootOutputSpanId = '';
  inputTokens = 0;
  outputTokens = 0;
  errorSpans = 0;

  addMessage(role: 'user' | 'assistant' | 'system', text: string, span: SpanInfo): void {
    if (role === 'system') {
      if (this.systemPrompt === '') this.systemPrompt = text;
      return;
    }
    const message: MessageView = {
      role,
      text,
      spanId: span.spanId,
      traceId: span.traceId,
      agentName: span.agentName,
      position: this.timeline.length,
    };
    this.timeline.push({ kind: 'message', message });
    this.messages.push(message);
    if (role === 'user') {
      this.userMessages.push(message);
      this.lastUserText = text;
    } else {
      this.assistantMessages.push(message);
    }
  }

  /** A user message, unless it is the one just added (a turn span and its first LLM call both carry it). */
  addUser(text: string, span: SpanInfo): void {
    const last = this.timeline[this.timeline.length - 1];
    if (last && last.kind === 'message' && last.message.role === 'user' && last.message.text === text) return;
    this.addMessage('user', text, span);
  }

  addToolCall(call: Omit<ToolCallView, 'position'>): ToolCallView {
    const view = call as ToolCallView;
    view.position = this.timeline.length;
    this.timeline.push({ kind: 'tool', call: view });
    this.toolCalls.push(view);
    if (view.callId !== '' && !this.callsById.has(view.callId)) this.callsById.set(view.callId, view);
    return view;
  }

  /** A tool message answering an earlier call: first answer wins. */
  attachResult(message: IGenAiMessage, span: SpanInfo): void {
    const callId = message.toolCallId ?? '';
    const call = callId === '' ? undefined : this.callsById.get(callId);
    const content = message.content ?? '';
    if (call) {
      if (call.result !== undefined) return;
      call.result = content;
      call.resultSpanId = call.spanId === span.spanId ? '' : span.spanId;
      if (!call.error && opensLikeError(content)) {
        call.error = true;
        call.errorSource = 'result';
      }
      return;
    }
    if (callId !== '' && this.toolSpanCallIds.has(callId)) return; // the tool span reports it
    // A tool message without a call we know of (producers that log results only): a call of its own.
    const error = opensLikeError(content);
    this.addToolCall({
      spanId: span.spanId,
      traceId: span.traceId,
      resultSpanId: '',
      name: message.name ?? '',
      callId,
      arguments: '',
      result: content,
      error,
      errorSource: error ? 'result' : '',
      httpStatus: 0,
      agentName: span.agentName,
    });
  }

  /** Index of the first input message this call adds to what earlier calls of its agent sent. */
  newInputStart(inputs: readonly IGenAiMessage[], agent: string): number {
    let lastAssistant = -1;
    for (let i = inputs.length - 1; i >= 0; i--) {
      if (inputs[i]?.role === 'assistant') {
        lastAssistant = i;
        break;
      }
    }
    const previous = this.prefixByAgent.get(agent);
    this.prefixByAgent.set(agent, { count: inputs.length, firstText: inputs[0]?.content ?? '' });
    if (lastAssistant >= 0) return lastAssistant + 1;
    if (previous && previous.count <= inputs.length && previous.firstText === (inputs[0]?.content ?? '')) return previous.count;
    return 0;
  }

  llm(span: SpanInfo, genAi: IGenAi): void {
    const inputs = genAi.inputMessages ?? [];
    const start = this.newInputStart(inputs, span.agentName);
    let promptChars = (genAi.systemInstructions ?? '').length;
    for (let i = 0; i < inputs.length; i++) {
      const message = inputs[i]!;
      const content = message.content ?? '';
      promptChars += content.length;
      if (i < start) continue;
      const role = message.role ?? '';
      if (role === 'tool') this.attachResult(message, span);
      else if (role === 'system' || role === 'developer') this.addMessage('system', content, span);
      else if (role === 'user' && content !== '') {
        // In a multi-agent chat other agents speak as "user" under their name: their own spans carry it.
        if (message.name && this.agentNames.has(message.name)) continue;
        this.addUser(content, span);
      }
    }
    if (this.systemPrompt === '' && genAi.systemInstructions) this.systemPrompt = genAi.systemInstructions;
    if (inputs.length === 0 && genAi.inputValue && this.userMessages.length === 0) this.addUser(genAi.inputValue, span);
    const reported = genAi.inputTokens;
    const promptTokens = reported !== null && reported !== undefined ? num(reported) : estimateTokens(promptChars || (genAi.inputValue ?? '').length);
    const outputTokens = num(genAi.outputTokens);
    if (reported !== null && reported !== undefined) this.inputTokens += promptTokens;
    this.outputTokens += outputTokens;
    const model = genAi.requestModel || genAi.responseModel || '';
    if (model !== '' && !this.models.includes(model)) this.models.push(model);
    this.llmCalls.push({
      spanId: span.spanId,
      traceId: span.traceId,
      model,
      promptTokens,
      promptTokensEstimated: reported === null || reported === undefined,
      outputTokens,
      inputMessageCount: inputs.length,
      agentName: span.agentName,
      position: this.timeline.length,
      error: span.status === 'error' || span.errorType !== '',
    });
    const outputs = genAi.outputMessages ?? [];
    let said = false;
    for (const message of outputs) {
      const role = message.role ?? 'assistant';
      if (role === 'tool') continue;
      const content = message.content ?? '';
      if (content !== '') {
        this.addMessage('assistant', content, span);
        said = true;
      }
      for (const request of message.toolCalls ?? []) {
        const callId = request.id ?? '';
        if (callId !== '' && this.toolSpanCallIds.has(callId)) continue;
        this.addToolCall({
          spanId: span.spanId,
          traceId: span.traceId,
          resultSpanId: '',
          name: request.name ?? '',
          callId,
          arguments: request.arguments ?? '',
          result: undefined,
          error: false,
          errorSource: '',
          httpStatus: 0,
          agentName: span.agentName,
        });
      }
    }
    if (!said && outputs.length === 0 && genAi.outputValue) this.addMessage('assistant', genAi.outputValue, span);
  }

  tool(span: SpanInfo, genAi: IGenAi, record: ISpanRecord): void {
    const result = genAi.toolCallResult ?? '';
    const hasResult = result !== '' || (genAi.outputValue ?? '') !== '';
    const text = result !== '' ? result : (genAi.outputValue ?? '');
    let errorSource: ToolCallView['errorSource'] = '';
    if (span.status === 'error') errorSource = 'status';
    else if (span.errorType !== '') errorSource = 'error_type';
    else if (hasResult && opensLikeError(text)) errorSource = 'result';
    const httpStatus = httpStatusOf(record);
    if (errorSource === '' && httpStatus >= 400) errorSource = 'status';
    this.addToolCall({
      spanId: span.spanId,
      traceId: span.traceId,
      resultSpanId: '',
      name: genAi.toolName || span.name,
      callId: genAi.toolCallId ?? '',
      arguments: genAi.toolCallArguments || genAi.inputValue || '',
      result: hasResult ? text : undefined,
      error: errorSource !== '',
      errorSource,
      httpStatus,
      agentName: span.agentName,
    });
  }

  /** A root agent span opens a turn: its input is the user's message; its output is the turn's answer, which
   *  the LLM calls under it report themselves. */
  agent(span: SpanInfo, genAi: IGenAi, isRoot: boolean): void {
    if (!isRoot) return;
    let input = genAi.inputValue ?? '';
    const inputs = genAi.inputMessages ?? [];
    for (let i = inputs.length - 1; i >= 0 && input === ''; i--) if (inputs[i]!.role === 'user') input = inputs[i]!.content ?? '';
    if (input !== '') this.addUser(input, span);
    let output = genAi.outputValue ?? '';
    const outputs = genAi.outputMessages ?? [];
    for (let i = outputs.length - 1; i >= 0 && output === ''; i--) output = outputs[i]!.content ?? '';
    if (output !== '') {
      this.rootOutput = output;
      this.rootOutputSpanId = span.spanId;
    }
  }
}

function spanInfo(span: ISpanRecord, index: number): SpanInfo {
  return {
    index,
    spanId: span.spanId ?? '',
    traceId: span.traceId ?? '',
    parentSpanId: span.parentSpanId ?? '',
    name: span.name ?? '',
    role: roleOf(span.genAi),
    status: statusOf(span.statusCode),
    statusMessage: span.statusMessage ?? '',
    errorType: span.genAi?.errorType ?? '',
    agentName: span.genAi?.agentName ?? '',
    startMs: num(span.startTimeUnixNano as LongLike) / 1e6,
    endMs: num(span.endTimeUnixNano as LongLike) / 1e6,
  };
}

export function buildSessionView(record: ISessionRecord): SessionView {
  const records = record.spans ?? [];
  const builder = new ViewBuilder();
  for (let i = 0; i < records.length; i++) {
    const info = spanInfo(records[i]!, i);
    builder.spans.push(info);
    if (info.spanId !== '') builder.spanById.set(info.spanId, info);
  }
  // Agent names flow down the span tree; parents usually start first, so one forward pass mostly suffices.
  for (const info of builder.spans) {
    if (info.agentName === '') {
      let parent = builder.spanById.get(info.parentSpanId);
      for (let depth = 0; parent && depth < 32 && info.agentName === ''; depth++) {
        info.agentName = parent.agentName;
        parent = builder.spanById.get(parent.parentSpanId);
      }
    }
    if (info.agentName !== '' && !builder.agentNames.has(info.agentName)) {
      builder.agentNames.add(info.agentName);
      builder.agents.push(info.agentName);
    }
    if (info.status === 'error') builder.errorSpans++;
  }
  for (let i = 0; i < records.length; i++) {
    const genAi = records[i]!.genAi;
    if (builder.spans[i]!.role === 'tool' && genAi?.toolCallId) builder.toolSpanCallIds.add(genAi.toolCallId);
  }
  for (let i = 0; i < records.length; i++) {
    const span = records[i]!;
    const info = builder.spans[i]!;
    const genAi = span.genAi;
    if (!genAi) continue;
    if (info.role === 'llm') builder.llm(info, genAi);
    else if (info.role === 'tool') builder.tool(info, genAi, span);
    else if (info.role === 'agent' || info.role === 'chain') {
      builder.agent(info, genAi, info.parentSpanId === '' || !builder.spanById.has(info.parentSpanId));
    }
  }
  return finish(record, builder);
}

function finish(record: ISessionRecord, builder: ViewBuilder): SessionView {
  const summary = record.summary ?? {};
  const turns: TurnView[] = (record.turns ?? []).map((turn, index) => ({
    index: turn.index ?? index,
    userSpanId: turn.userSpanId ?? '',
    userInput: turn.userInput ?? '',
    output: turn.output ?? '',
    startMs: num(turn.startTimeUnixNano as LongLike) / 1e6,
    endMs: num(turn.endTimeUnixNano as LongLike) / 1e6,
    stepCount: turn.steps?.length ?? 0,
  }));
  const lastAssistant = builder.assistantMessages[builder.assistantMessages.length - 1];
  const firstUser = builder.userMessages[0];
  const finalOutput = lastAssistant?.text || summary.finalOutput || builder.rootOutput;
  const finalOutputSpanId = lastAssistant?.spanId ?? builder.rootOutputSpanId;
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const span of builder.spans) {
    if (span.startMs < startMs) startMs = span.startMs;
    if (span.endMs > endMs) endMs = span.endMs;
  }
  const spanById = builder.spanById;
  let toolErrors = 0;
  for (const call of builder.toolCalls) if (call.error) toolErrors++;
  const userTurns = turns.filter((turn) => turn.userSpanId !== '').length;
  return {
    tenant: record.tenant ?? '',
    sessionKey: record.sessionKey ?? '',
    revision: record.revision ?? 0,
    truncated: record.truncated ?? false,
    serviceName: summary.serviceName || record.spans?.[0]?.serviceName || '',
    spans: builder.spans,
    spanById,
    timeline: builder.timeline,
    messages: builder.messages,
    userMessages: builder.userMessages,
    assistantMessages: builder.assistantMessages,
    systemPrompt: builder.systemPrompt,
    toolCalls: builder.toolCalls,
    llmCalls: builder.llmCalls,
    turns,
    firstUserInput: firstUser?.text || summary.firstUserInput || '',
    firstUserSpanId: firstUser?.spanId ?? turns.find((turn) => turn.userSpanId !== '')?.userSpanId ?? '',
    finalOutput,
    finalOutputSpanId,
    agents: builder.agents,
    models: builder.models.length > 0 ? builder.models : [...(summary.models ?? [])],
    durationMs: builder.spans.length > 0 ? Math.max(0, endMs - startMs) : 0,
    counts: {
      spans: builder.spans.length,
      turns: Math.max(userTurns, builder.userMessages.length),
      userMessages: builder.userMessages.length,
      llmCalls: builder.llmCalls.length,
      toolCalls: builder.toolCalls.length,
      toolErrors,
      errorSpans: builder.errorSpans,
      inputTokens: builder.inputTokens || num(summary.inputTokens as LongLike),
      outputTokens: builder.outputTokens || num(summary.outputTokens as LongLike),
    },
    traceOf: (spanId: string) => spanById.get(spanId)?.traceId ?? '',
  };
}
