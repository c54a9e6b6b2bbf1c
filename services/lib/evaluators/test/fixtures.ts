// Hand-built agent sessions for the tests: OTel GenAI spans (chat LLM calls that resend the history, tool
// calls as requested tool calls answered by the next call's tool messages, or as execute_tool spans) in a
// SessionRecord, encoded and decoded as the scorer decodes it. Turns and summary are left to the
// sessionizer's own tests: buildSessionView reads them only as fallbacks.
import {
  decodeSessionRecord,
  encodeSessionRecord,
  toLong,
  type IGenAi,
  type IGenAiMessage,
  type ISessionRecord,
  type ISpanRecord,
} from '@tracebar/proto';
import { buildSessionView, type Evaluation, type EvaluatorDeps, type EvaluatorType, type SessionView } from '../src/index.js';

export interface ToolCallSpec {
  name: string;
  args?: Record<string, unknown>;
  /** Result text; a string starting with "Error" is an error result. */
  result?: string;
  /** Mark the tool span (toolSpans mode) as status ERROR. */
  statusError?: boolean;
  httpStatus?: number;
}

export interface AssistantSpec {
  text?: string;
  toolCalls?: ToolCallSpec[];
  model?: string;
  inputTokens?: number;
  agent?: string;
}

const BASE_NS = 1_760_000_000_000_000_000n;

export class SessionBuilder {
  private readonly history: IGenAiMessage[] = [];
  private readonly spans: ISpanRecord[] = [];
  private pendingResults: IGenAiMessage[] = [];
  private counter = 0;
  private clock = 0n;
  readonly traceId = 'ab'.repeat(16);
  readonly rootId: string;

  constructor(
    private readonly options: { toolSpans?: boolean; model?: string; sessionKey?: string } = {},
  ) {
    this.rootId = this.nextId();
    this.spans.push(this.span(this.rootId, '', 'invoke_agent agent', { operationName: 'invoke_agent', agentName: 'agent' }));
  }

  private nextId(): string {
    this.counter++;
    return this.counter.toString(16).padStart(16, '0');
  }

  private span(spanId: string, parentSpanId: string, name: string, genAi: IGenAi, extra: Partial<ISpanRecord> = {}): ISpanRecord {
    const start = BASE_NS + this.clock;
    this.clock += 1_000_000_000n;
    return {
      tenant: 'default',
      sessionKey: this.options.sessionKey ?? 'session-1',
      sessionKeySource: 1,
      traceId: this.traceId,
      spanId,
      parentSpanId,
      name,
      kind: 3,
      startTimeUnixNano: toLong(start),
      endTimeUnixNano: toLong(start + 900_000_000n),
      serviceName: 'test-agent',
      genAi,
      ...extra,
    };
  }

  system(text: string): this {
    this.history.push({ role: 'system', content: text });
    return this;
  }

  user(text: string): this {
    this.history.push(...this.pendingResults);
    this.pendingResults = [];
    this.history.push({ role: 'user', content: text });
    return this;
  }

  /** One LLM call: its input is the whole history so far; its output the text and tool calls. */
  assistant(spec: AssistantSpec): string {
    this.history.push(...this.pendingResults);
    this.pendingResults = [];
    const spanId = this.nextId();
    const model = spec.model ?? this.options.model ?? 'gpt-4o';
    const requests = (spec.toolCalls ?? []).map((call, i) => ({ id: `call_${this.counter}_${i}`, name: call.name, arguments: JSON.stringify(call.args ?? {}) }));
    const output: IGenAiMessage = { role: 'assistant', content: spec.text ?? '', toolCalls: requests };
    const genAi: IGenAi = {
      operationName: 'chat',
      requestModel: model,
      inputMessages: this.history.map((message) => ({ ...message })),
      outputMessages: [output],
    };
    if (spec.inputTokens !== undefined) genAi.inputTokens = toLong(spec.inputTokens);
    if (spec.agent) genAi.agentName = spec.agent;
    this.spans.push(this.span(spanId, this.rootId, `chat ${model}`, genAi));
    this.history.push(output);
    (spec.toolCalls ?? []).forEach((call, i) => {
      const id = requests[i]!.id;
      if (this.options.toolSpans) {
        const toolSpanId = this.nextId();
        const attributes = call.httpStatus ? { intValues: { 'http.response.status_code': toLong(call.httpStatus) } } : undefined;
        this.spans.push(
          this.span(
            toolSpanId,
            this.rootId,
            `execute_tool ${call.name}`,
            { operationName: 'execute_tool', toolName: call.name, toolCallId: id, toolCallArguments: JSON.stringify(call.args ?? {}), toolCallResult: call.result ?? '' },
            { statusCode: call.statusError ? 2 : 0, ...(attributes ? { attributes } : {}) },
          ),
        );
      }
      if (call.result !== undefined) this.pendingResults.push({ role: 'tool', toolCallId: id, content: call.result, name: call.name });
    });
    return spanId;
  }

  /** The SessionRecord as the scorer receives it (encoded, decoded). */
  record(): ISessionRecord {
    const record: ISessionRecord = {
      tenant: 'default',
      sessionKey: this.options.sessionKey ?? 'session-1',
      revision: 1,
      closeReason: 1,
      summary: { spanCount: this.spans.length, traceIds: [this.traceId], serviceName: 'test-agent' },
      spans: this.spans,
    };
    return decodeSessionRecord(encodeSessionRecord(record));
  }

  view(): SessionView {
    return buildSessionView(this.record());
  }

  /** Span ids in emission order (root first). */
  spanIds(): string[] {
    return this.spans.map((span) => span.spanId ?? '');
  }
}

/** A clean, successful tool-using session: asked, looked up, confirmed, done. */
export function cleanSession(options: { toolSpans?: boolean } = {}): SessionBuilder {
  const s = new SessionBuilder(options);
  s.system('You are a support agent for an online store. Help customers with their orders.');
  s.user('Hi, I would like to change the shipping address of my order #W1234 to 12 Oak Street, Springfield.');
  s.assistant({ toolCalls: [{ name: 'get_order_details', args: { order_id: '#W1234' }, result: '{"order_id": "#W1234", "status": "pending", "address": "4 Elm Road, Springfield"}' }] });
  s.assistant({ text: 'Your order #W1234 is pending, so the shipping address can be changed to 12 Oak Street, Springfield. Shall I proceed?' });
  s.user('Yes, please go ahead.');
  s.assistant({ toolCalls: [{ name: 'modify_order_address', args: { order_id: '#W1234', address: '12 Oak Street, Springfield' }, result: '{"order_id": "#W1234", "status": "pending", "address": "12 Oak Street, Springfield"}' }] });
  s.assistant({ text: 'The shipping address of order #W1234 has been updated to 12 Oak Street, Springfield.' });
  s.user('Great, thanks!');
  s.assistant({ text: "You're welcome! Have a nice day." });
  return s;
}

export const testDeps: EvaluatorDeps = {
  signal: new AbortController().signal,
  fetch: globalThis.fetch,
  modelWindows: { 'gpt-4o': 128_000, 'small-model': 4_000 },
  now: () => Date.now(),
};

/** An evaluation that must be synchronous (a deterministic evaluator without an endpoint to call). */
export function evaluateNow<P>(type: EvaluatorType<P>, view: SessionView, params: P, deps: EvaluatorDeps = testDeps): Evaluation {
  const result = type.evaluate(view, params, deps);
  if (result instanceof Promise) throw new Error(`${type.type} answered with a promise where it had nothing to call`);
  return result;
}
