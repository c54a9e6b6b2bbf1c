// `who-and-when`: one Who&When file (AG2 CaptainAgent group chats on GAIA / AssistantBench
// tasks, each labelled with the agent and step of the decisive mistake) becomes one session.
// See README.md "Mapping" for the table.
import type { Attributes } from '@opentelemetry/api';
import { z } from 'zod';
import { systemInstructions, textPart, type ChatMessage } from './genai-messages.js';
import { spanIdOf, traceIdOf } from './ids.js';
import { flattenFields, type OutcomeEvidence, type OutcomeVerdict } from './outcome.js';
import { ATTR, OPERATION, spanName } from './semconv.js';
import type { ConvertSettings, ImportedSession, SpanRef } from './session.js';
import { createSpanFactory, SpanKind } from './span-factory.js';
import { STEP_MS, Timeline } from './timeline.js';

const entrySchema = z.looseObject({
  content: z.string().nullish(),
  name: z.string(),
  role: z.string(),
});

export const whoAndWhenRecordSchema = z.looseObject({
  question: z.string(),
  history: z.array(entrySchema),
  system_prompt: z.record(z.string(), z.unknown()).optional(),
  is_correct: z.boolean().optional(),
  mistake_agent: z.string().optional(),
  mistake_step: z.union([z.string(), z.number()]).optional(),
  mistake_reason: z.string().optional(),
});

export type WhoAndWhenRecord = z.infer<typeof whoAndWhenRecordSchema>;

/** The code executor of AG2 teams: its messages are tool results, not an agent's words. */
export const TERMINAL_AGENT = 'Computer_terminal';
/** What the session's root agent span is called when no agent name is given. */
export const GROUP_CHAT_AGENT = 'group_chat';
/** Telemetry: the task, the conversation and the agents' prompts. The rest is ground truth. */
const TELEMETRY_KEYS = new Set(['question', 'history', 'system_prompt']);
const EXIT_CODE = /^exitcode: (-?\d+)/;
const TERMINATE = 'TERMINATE';

export function whoAndWhenSessionKey(id: string, dataset: string): string {
  return `${dataset}/${id}`;
}

const MAX_NOTE_LENGTH = 500;

/** The labelled mistake step's span (`mistake_step` indexes `history`). */
function mistakeEvidence(record: WhoAndWhenRecord, messageSpans: readonly SpanRef[]): OutcomeEvidence[] {
  const step = record.mistake_step === undefined ? NaN : Number(record.mistake_step);
  const ref = Number.isInteger(step) ? messageSpans[step] : undefined;
  if (!ref) return [];
  const note = `mistake by ${record.mistake_agent ?? 'an unnamed agent'}${record.mistake_reason ? `: ${record.mistake_reason}` : ''}`;
  return [{ ...ref, note: note.slice(0, MAX_NOTE_LENGTH) }];
}

function verdictOf(record: WhoAndWhenRecord): OutcomeVerdict {
  if (record.is_correct !== undefined) return record.is_correct ? 'passed' : 'failed';
  // The set labels only failures: a labelled mistake means the task failed.
  return record.mistake_agent !== undefined ? 'failed' : 'unknown';
}

/** Converts one file's record; `id` is the file's stem ("17"). */
export function convertWhoAndWhenRecord(record: WhoAndWhenRecord, id: string, settings: ConvertSettings): ImportedSession {
  const sessionKey = whoAndWhenSessionKey(id, settings.dataset);
  const factory = createSpanFactory({ [ATTR.serviceName]: settings.serviceName });
  const time = new Timeline(settings.startUnixNano);
  const agent = settings.agentName;
  const common = (): Attributes => ({ [ATTR.sessionId]: sessionKey });
  const root = factory.start({
    name: spanName(OPERATION.invokeAgent, agent),
    kind: SpanKind.INTERNAL,
    traceId: traceIdOf(sessionKey),
    spanId: spanIdOf(`${sessionKey}/root`),
    startUnixNano: time.now,
    attributes: {
      ...common(),
      [ATTR.operationName]: OPERATION.invokeAgent,
      [ATTR.agentName]: agent,
      [ATTR.inputMessages]: JSON.stringify([{ role: 'user', parts: [textPart(record.question)] }]),
    },
  });
  // The team's work starts after the root opened (the sessionizer orders ties by span id).
  time.advance(STEP_MS.handOff);
  const history: ChatMessage[] = [];
  const messageSpans: SpanRef[] = [];
  let answer = '';

  record.history.forEach((entry, index) => {
    const text = entry.content ?? '';
    const spanId = spanIdOf(`${sessionKey}/${index}`);
    if (entry.name === TERMINAL_AGENT) {
      const span = factory.start({
        name: spanName(OPERATION.executeTool, TERMINAL_AGENT),
        kind: SpanKind.INTERNAL,
        parent: root,
        spanId,
        startUnixNano: time.now,
        attributes: {
          ...common(),
          [ATTR.operationName]: OPERATION.executeTool,
          [ATTR.agentName]: TERMINAL_AGENT,
          [ATTR.toolName]: TERMINAL_AGENT,
          [ATTR.toolCallResult]: text,
        },
      });
      // The executor reports its exit code first: a non-zero code is the tool's own failure.
      const exit = EXIT_CODE.exec(text);
      const error = exit && exit[1] !== '0' ? text.split('\n', 1)[0] : undefined;
      factory.end(span, time.advance(STEP_MS.toolCall), error);
      messageSpans.push({ traceId: span.spanContext().traceId, spanId });
    } else {
      const attributes: Attributes = { ...common(), [ATTR.operationName]: OPERATION.chat, [ATTR.agentName]: entry.name };
      if (settings.provider) attributes[ATTR.providerName] = settings.provider;
      if (settings.model) attributes[ATTR.requestModel] = settings.model;
      const prompt = record.system_prompt?.[entry.name];
      const instructions = typeof prompt === 'string' ? systemInstructions([prompt]) : undefined;
      if (instructions !== undefined) attributes[ATTR.systemInstructions] = instructions;
      attributes[ATTR.inputMessages] = JSON.stringify(history);
      attributes[ATTR.outputMessages] = JSON.stringify([{ role: 'assistant', name: entry.name, parts: [textPart(text)], finish_reason: 'stop' }]);
      const span = factory.start({
        name: spanName(OPERATION.chat, settings.model),
        kind: SpanKind.CLIENT,
        parent: root,
        spanId,
        startUnixNano: time.now,
        attributes,
      });
      factory.end(span, time.advance(STEP_MS.llmCall));
      messageSpans.push({ traceId: span.spanContext().traceId, spanId });
      if (text.trim() !== '' && text.trim() !== TERMINATE) answer = text;
    }
    history.push({ role: entry.role, name: entry.name, parts: [textPart(text)] });
  });

  // The team's answer: its last message that is more than the stop word.
  if (answer !== '') root.setAttribute(ATTR.outputMessages, JSON.stringify([{ role: 'assistant', parts: [textPart(answer)], finish_reason: 'stop' }]));
  root.setAttribute(ATTR.sessionEnd, true);
  factory.end(root, time.advance(STEP_MS.handOff));

  const fields = flattenFields(Object.fromEntries(Object.entries(record).filter(([key]) => !TELEMETRY_KEYS.has(key))));
  return {
    sessionKey,
    spans: factory.take(),
    messageSpans,
    outcome: { sessionKey, outcome: verdictOf(record), evidence: mistakeEvidence(record, messageSpans), fields },
    startUnixNano: settings.startUnixNano,
    endUnixNano: time.now,
  };
}
