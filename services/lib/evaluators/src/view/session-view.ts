// What evaluators see of a session: built once per session from a decoded SessionRecord (parts joined).
// The README ("SessionView") documents every field.
export type SpanRole = 'llm' | 'tool' | 'agent' | 'chain' | 'other' | 'none';
export type SpanStatus = 'unset' | 'ok' | 'error';

export interface SpanInfo {
  index: number;
  spanId: string;
  traceId: string;
  parentSpanId: string;
  name: string;
  role: SpanRole;
  status: SpanStatus;
  statusMessage: string;
  /** error.type (GenAI) when set. */
  errorType: string;
  /** The span's own agent name, else the nearest ancestor's; '' when none. */
  agentName: string;
  startMs: number;
  endMs: number;
}

export type MessageRole = 'system' | 'user' | 'assistant';

/** A message of the conversation, each once, in the order it was first seen. */
export interface MessageView {
  role: MessageRole;
  text: string;
  /** Span that first carried it (for a user message: the LLM span whose input first had it). */
  spanId: string;
  traceId: string;
  agentName: string;
  /** Position in the session's timeline (shared with tool calls). */
  position: number;
}

export interface ToolCallView {
  /** Span that represents the call: the tool span, or the LLM span that requested it. */
  spanId: string;
  traceId: string;
  /** Span that carried the result when another one (a later LLM call's tool message); '' otherwise. */
  resultSpanId: string;
  name: string;
  callId: string;
  /** Arguments as JSON text ('' when none). */
  arguments: string;
  /** Result text; undefined when no result was seen. */
  result: string | undefined;
  /** Span status ERROR, error.type, or a result that opens like an error. */
  error: boolean;
  errorSource: '' | 'status' | 'error_type' | 'result';
  /** HTTP status of the call when the span reports one (http.response.status_code). */
  httpStatus: number;
  agentName: string;
  position: number;
}

export interface LlmCallView {
  spanId: string;
  traceId: string;
  model: string;
  /** Prompt tokens as reported, else estimated from the prompt text. */
  promptTokens: number;
  promptTokensEstimated: boolean;
  outputTokens: number;
  /** Number of input messages sent (history included). */
  inputMessageCount: number;
  agentName: string;
  position: number;
  error: boolean;
}

export interface TurnView {
  index: number;
  userSpanId: string;
  userInput: string;
  output: string;
  startMs: number;
  endMs: number;
  stepCount: number;
}

export type TimelineEntry = { kind: 'message'; message: MessageView } | { kind: 'tool'; call: ToolCallView };

export interface SessionView {
  tenant: string;
  sessionKey: string;
  revision: number;
  /** The sessionizer closed it at a cap before its natural end. */
  truncated: boolean;
  serviceName: string;
  spans: SpanInfo[];
  spanById: ReadonlyMap<string, SpanInfo>;
  /** Messages and tool calls in order: the conversation as it happened. */
  timeline: TimelineEntry[];
  messages: MessageView[];
  userMessages: MessageView[];
  assistantMessages: MessageView[];
  systemPrompt: string;
  toolCalls: ToolCallView[];
  llmCalls: LlmCallView[];
  turns: TurnView[];
  firstUserInput: string;
  firstUserSpanId: string;
  finalOutput: string;
  finalOutputSpanId: string;
  agents: string[];
  models: string[];
  durationMs: number;
  counts: {
    spans: number;
    turns: number;
    userMessages: number;
    llmCalls: number;
    toolCalls: number;
    toolErrors: number;
    errorSpans: number;
    inputTokens: number;
    outputTokens: number;
  };
  /** Trace id of a span of this session ('' when unknown). */
  traceOf(spanId: string): string;
}
