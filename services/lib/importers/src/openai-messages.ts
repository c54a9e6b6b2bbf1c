// `openai-messages`: records holding an OpenAI chat-completions message log (tau-bench's
// historical trajectories: `{task_id, trial, reward, info, traj}`) become one session each.
// See README.md "Mapping" for the table.
import type { Attributes, Span } from '@opentelemetry/api';
import { z } from 'zod';
import { systemInstructions, textPart, toolCallArguments, type ChatMessage, type MessagePart } from './genai-messages.js';
import { spanIdOf, traceIdOf } from './ids.js';
import { flattenFields, type OutcomeVerdict } from './outcome.js';
import { ATTR, OPERATION, spanName } from './semconv.js';
import type { ConvertSettings, ImportedSession, SpanRef } from './session.js';
import { createSpanFactory, SpanKind, type SpanFactory } from './span-factory.js';
import { STEP_MS, Timeline } from './timeline.js';

const contentSchema = z.union([z.string(), z.null(), z.array(z.unknown())]).optional();

const toolCallSchema = z.looseObject({
  id: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string().nullish() }),
});

const messageSchema = z.looseObject({
  role: z.string(),
  content: contentSchema,
  tool_calls: z.array(toolCallSchema).nullish(),
  tool_call_id: z.string().nullish(),
  name: z.string().nullish(),
});

export const openAiRecordSchema = z
  .looseObject({
    task_id: z.union([z.string(), z.number()]).optional(),
    trial: z.union([z.string(), z.number()]).optional(),
    reward: z.number().optional(),
    traj: z.array(messageSchema).optional(),
    messages: z.array(messageSchema).optional(),
  })
  .refine((record) => record.traj !== undefined || record.messages !== undefined, { message: 'expected a message list in `traj` or `messages`' });

export type OpenAiRecord = z.infer<typeof openAiRecordSchema>;
type Message = z.infer<typeof messageSchema>;

/** The message log; everything else in the record is ground truth. */
const MESSAGE_KEYS = new Set(['traj', 'messages']);
/** tau-bench counts a task solved at reward 1 (it compares with a 1e-6 tolerance). */
const PASS_REWARD = 1 - 1e-6;

/** `<dataset>/<task_id>/<trial>`, or `<dataset>/<record id>` without them. */
export function openAiSessionKey(record: OpenAiRecord, id: string, dataset: string): string {
  if (record.task_id !== undefined) return record.trial !== undefined ? `${dataset}/${record.task_id}/${record.trial}` : `${dataset}/${record.task_id}`;
  return `${dataset}/${id}`;
}

function textOf(content: Message['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') texts.push(part);
    else if (part !== null && typeof part === 'object' && 'text' in part && typeof part.text === 'string') texts.push(part.text);
  }
  return texts.join('\n');
}

function verdictOf(record: OpenAiRecord): OutcomeVerdict {
  if (record.reward === undefined) return 'unknown';
  return record.reward >= PASS_REWARD ? 'passed' : 'failed';
}

interface Turn {
  span: Span;
  lastOutput: string;
}

interface OpenTool {
  span: Span;
  ref: SpanRef;
}

/** Converts one record; `id` names it when it has no task_id (its index in the file). */
export function convertOpenAiRecord(record: OpenAiRecord, id: string, settings: ConvertSettings): ImportedSession {
  const sessionKey = openAiSessionKey(record, id, settings.dataset);
  const messages = record.traj ?? record.messages ?? [];
  const factory: SpanFactory = createSpanFactory({ [ATTR.serviceName]: settings.serviceName });
  const time = new Timeline(settings.startUnixNano);
  const instructions = systemInstructions(messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content)));
  const history: ChatMessage[] = [];
  const messageSpans: (SpanRef | undefined)[] = [];
  /** Tool spans waiting for their tool message, by tool call id, oldest first (ids repeat in tau-bench). */
  const pending = new Map<string, OpenTool[]>();
  const unanswered: OpenTool[] = [];
  let turn: Turn | undefined;
  let turns = 0;

  const refOf = (span: Span): SpanRef => ({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
  const common = (): Attributes => ({ [ATTR.sessionId]: sessionKey });

  const openTurn = (seed: string, userText: string | undefined): Turn => {
    const attributes: Attributes = { ...common(), [ATTR.operationName]: OPERATION.invokeAgent, [ATTR.agentName]: settings.agentName };
    if (userText !== undefined) attributes[ATTR.inputMessages] = JSON.stringify([{ role: 'user', parts: [textPart(userText)] }]);
    const span = factory.start({
      name: spanName(OPERATION.invokeAgent, settings.agentName),
      kind: SpanKind.INTERNAL,
      traceId: traceIdOf(`${sessionKey}/turn/${turns++}`),
      spanId: spanIdOf(`${sessionKey}/${seed}`),
      startUnixNano: time.now,
      attributes,
    });
    return { span, lastOutput: '' };
  };

  const closeTurn = (last: boolean): void => {
    if (!turn) return;
    if (turn.lastOutput !== '') turn.span.setAttribute(ATTR.outputMessages, JSON.stringify([{ role: 'assistant', parts: [textPart(turn.lastOutput)], finish_reason: 'stop' }]));
    if (last) turn.span.setAttribute(ATTR.sessionEnd, true);
    // The agent answers just after its last call returned: the turn ends last.
    factory.end(turn.span, time.advance(STEP_MS.handOff));
    turn = undefined;
  };

  const endTool = (tool: OpenTool, result: string | undefined): void => {
    if (result !== undefined) tool.span.setAttribute(ATTR.toolCallResult, result);
    // tau-bench's tools answer "Error: ..." when they refuse or fail.
    const error = result?.startsWith('Error:') ? result.split('\n', 1)[0]?.slice(0, 200) : undefined;
    factory.end(tool.span, time.advance(STEP_MS.toolCall), error);
  };

  messages.forEach((message, index) => {
    const text = textOf(message.content);
    switch (message.role) {
      case 'system':
      case 'developer':
        messageSpans[index] = undefined;
        return;
      case 'user': {
        if (turn) {
          closeTurn(false);
          time.advance(STEP_MS.userReply);
        }
        turn = openTurn(String(index), text);
        // The agent's work starts after the turn opened (never at the same instant: the
        // sessionizer orders spans by start time, ties by span id).
        time.advance(STEP_MS.handOff);
        messageSpans[index] = refOf(turn.span);
        history.push({ role: 'user', parts: [textPart(text)] });
        return;
      }
      case 'assistant': {
        if (!turn) {
          turn = openTurn(String(index), undefined);
          time.advance(STEP_MS.handOff);
        }
        const current = turn;
        const calls = message.tool_calls ?? [];
        const parts: MessagePart[] = text === '' ? [] : [textPart(text)];
        for (const call of calls) parts.push({ type: 'tool_call', id: call.id ?? '', name: call.function.name, arguments: toolCallArguments(call.function.arguments ?? '') });
        const output: ChatMessage = { role: 'assistant', parts, finish_reason: calls.length > 0 ? 'tool_call' : 'stop' };
        const attributes: Attributes = { ...common(), [ATTR.operationName]: OPERATION.chat };
        if (settings.provider) attributes[ATTR.providerName] = settings.provider;
        if (settings.model) attributes[ATTR.requestModel] = settings.model;
        if (instructions !== undefined) attributes[ATTR.systemInstructions] = instructions;
        attributes[ATTR.inputMessages] = JSON.stringify(history);
        attributes[ATTR.outputMessages] = JSON.stringify([output]);
        const llm = factory.start({
          name: spanName(OPERATION.chat, settings.model),
          kind: SpanKind.CLIENT,
          parent: current.span,
          spanId: spanIdOf(`${sessionKey}/${index}`),
          startUnixNano: time.now,
          attributes,
        });
        factory.end(llm, time.advance(STEP_MS.llmCall));
        messageSpans[index] = refOf(llm);
        history.push({ role: 'assistant', parts });
        if (text !== '') current.lastOutput = text;
        calls.forEach((call, j) => {
          const toolAttributes: Attributes = {
            ...common(),
            [ATTR.operationName]: OPERATION.executeTool,
            [ATTR.toolName]: call.function.name,
            [ATTR.toolType]: 'function',
          };
          if (call.id) toolAttributes[ATTR.toolCallId] = call.id;
          if (call.function.arguments != null) toolAttributes[ATTR.toolCallArguments] = call.function.arguments;
          const span = factory.start({
            name: spanName(OPERATION.executeTool, call.function.name),
            kind: SpanKind.INTERNAL,
            parent: current.span,
            spanId: spanIdOf(`${sessionKey}/${index}/tool/${j}`),
            // Calls of one message start a step apart, in the order the model listed them.
            startUnixNano: time.now + BigInt(j * STEP_MS.handOff) * 1_000_000n,
            attributes: toolAttributes,
          });
          const tool = { span, ref: refOf(span) };
          const queue = pending.get(call.id ?? '') ?? [];
          queue.push(tool);
          pending.set(call.id ?? '', queue);
          unanswered.push(tool);
        });
        return;
      }
      case 'tool':
      case 'function': {
        const callId = message.tool_call_id ?? '';
        let tool = pending.get(callId)?.shift();
        if (tool) unanswered.splice(unanswered.indexOf(tool), 1);
        else {
          // A result without a request in the log: a tool span of its own.
          const current = (turn ??= openTurn(String(index), undefined));
          const name = message.name ?? 'tool';
          const attributes: Attributes = { ...common(), [ATTR.operationName]: OPERATION.executeTool, [ATTR.toolName]: name };
          if (callId !== '') attributes[ATTR.toolCallId] = callId;
          const span = factory.start({
            name: spanName(OPERATION.executeTool, name),
            kind: SpanKind.INTERNAL,
            parent: current.span,
            spanId: spanIdOf(`${sessionKey}/${index}`),
            startUnixNano: time.now,
            attributes,
          });
          tool = { span, ref: refOf(span) };
        }
        endTool(tool, text);
        messageSpans[index] = tool.ref;
        history.push({ role: 'tool', parts: [{ type: 'tool_call_response', id: callId, response: text }] });
        return;
      }
      default:
        // Roles without a span (none in tau-bench): kept in later LLM calls' input only.
        messageSpans[index] = undefined;
        history.push({ role: message.role, parts: [textPart(text)] });
    }
  });
  // Calls the log never answered end with the session, without a result.
  for (const tool of unanswered) endTool(tool, undefined);
  closeTurn(true);

  const fields = flattenFields(Object.fromEntries(Object.entries(record).filter(([key]) => !MESSAGE_KEYS.has(key))));
  return {
    sessionKey,
    spans: factory.take(),
    messageSpans,
    outcome: { sessionKey, outcome: verdictOf(record), evidence: [], fields },
    startUnixNano: settings.startUnixNano,
    endUnixNano: time.now,
  };
}
