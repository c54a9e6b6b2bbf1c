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
import Long from 'long';
import { StepKind, type IStep, type ITurn } from '@tracebar/proto';
import { looksLikeError, spanFailed, spanRole, type SpanRole } from './span-kinds.js';
import { text, type SpanView, type TextRange } from './span-view.js';

export interface TurnsResult {
  turns: ITurn[];
  userTurns: number;
  llmCalls: number;
  toolCalls: number;
  toolErrors: number;
  inputTokens: number;
  outputTokens: number;
  models: string[];
  toolNames: string[];
  firstUserInput: string;
  finalOutput: string;
}

interface TextRef {
  view: SpanView;
  range: TextRange;
}

interface TurnBuild {
  userSpanId: string;
  userInput: string;
  /** The turn's own output (a root agent span's); else the last LLM output within it. */
  rootOutput: TextRef | undefined;
  lastLlmOutput: TextRef | undefined;
  startHi: number;
  startLo: number;
  endHi: number;
  endLo: number;
  steps: IStep[];
}

// Enum values read once: the generated enums are prototype-chained dictionaries.
const LLM_CALL = StepKind.STEP_KIND_LLM_CALL;
const TOOL_CALL = StepKind.STEP_KIND_TOOL_CALL;
const OTHER = StepKind.STEP_KIND_OTHER;

export function before(aHi: number, aLo: number, bHi: number, bLo: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo < bLo);
}

function time(hi: number, lo: number): Long {
  return Long.fromBits(lo | 0, hi | 0, true);
}

/** Text cut to `max` UTF-16 units, decoding no more bytes than that can need. */
export function boundedText(view: SpanView, range: TextRange | undefined, max: number): string {
  if (!range) return '';
  const end = Math.min(range.end, range.start + max * 4 + 4);
  let value = view.bytes.toString('utf8', range.start, end);
  if (value.length > max) {
    value = value.slice(0, max);
    const last = value.charCodeAt(value.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) value = value.slice(0, -1);
  }
  return value;
}

function sameText(a: TextRef, b: TextRef): boolean {
  const aLength = a.range.end - a.range.start;
  if (aLength !== b.range.end - b.range.start) return false;
  return a.view.bytes.compare(b.view.bytes, b.range.start, b.range.end, a.range.start, a.range.end) === 0;
}

function nonEmpty(range: TextRange | undefined): range is TextRange {
  return range !== undefined && range.end > range.start;
}

function isRoot(view: SpanView, ids: ReadonlySet<string>): boolean {
  return view.parentSpanId === '' || !ids.has(view.parentSpanId);
}

interface TurnStart {
  userInput: TextRef;
  output: TextRef | undefined;
  /** The root agent span opens the turn and is not itself a step. */
  isRoot: boolean;
}

/** Which spans (by index) open a turn. */
function findTurnStarts(views: readonly SpanView[], roles: readonly SpanRole[], ids: ReadonlySet<string>): Map<number, TurnStart> {
  const starts = new Map<number, TurnStart>();
  views.forEach((view, i) => {
    const role = roles[i];
    if ((role !== 'agent' && role !== 'chain') || !isRoot(view, ids)) return;
    const genAi = view.genAi;
    const input = nonEmpty(genAi?.lastUserInput) ? genAi?.lastUserInput : genAi?.inputValue;
    if (!nonEmpty(input)) return;
    const output = nonEmpty(genAi?.outputText) ? genAi?.outputText : genAi?.outputValue;
    starts.set(i, { userInput: { view, range: input }, output: nonEmpty(output) ? { view, range: output } : undefined, isRoot: true });
  });
  if (starts.size > 0) return starts;
  let current: TextRef | undefined;
  views.forEach((view, i) => {
    const input = view.genAi?.lastUserInput;
    if (roles[i] !== 'llm' || !nonEmpty(input)) return;
    const ref = { view, range: input };
    if (current && sameText(current, ref)) return;
    current = ref;
    starts.set(i, { userInput: ref, output: undefined, isRoot: false });
  });
  return starts;
}

/** Tool results carried by LLM calls' tool messages, by tool call id (first occurrence wins). */
function indexToolResults(views: readonly SpanView[], roles: readonly SpanRole[]): Map<string, { view: SpanView; content: TextRange | undefined }> {
  const results = new Map<string, { view: SpanView; content: TextRange | undefined }>();
  views.forEach((view, i) => {
    if (roles[i] !== 'llm') return;
    for (const result of view.genAi?.toolResults ?? []) {
      if (result.toolCallId !== '' && !results.has(result.toolCallId)) results.set(result.toolCallId, { view, content: result.content });
    }
  });
  return results;
}

export function buildTurns(views: readonly SpanView[], maxTextLength: number): TurnsResult {
  const roles = views.map(spanRole);
  const ids = new Set<string>();
  for (const view of views) ids.add(view.spanId);
  const starts = findTurnStarts(views, roles, ids);
  const toolResults = indexToolResults(views, roles);
  const toolSpanCalls = new Set<string>();
  views.forEach((view, i) => {
    if (roles[i] === 'tool' && view.genAi && view.genAi.toolCallId !== '') toolSpanCalls.add(view.genAi.toolCallId);
  });

  const result: TurnsResult = {
    turns: [],
    userTurns: 0,
    llmCalls: 0,
    toolCalls: 0,
    toolErrors: 0,
    inputTokens: 0,
    outputTokens: 0,
    models: [],
    toolNames: [],
    firstUserInput: '',
    finalOutput: '',
  };
  const models = new Set<string>();
  const toolNames = new Set<string>();
  const builds: TurnBuild[] = [];
  let current: TurnBuild | undefined;

  const open = (view: SpanView, userSpanId: string, userInput: string): TurnBuild => {
    const turn: TurnBuild = {
      userSpanId,
      userInput,
      rootOutput: undefined,
      lastLlmOutput: undefined,
      startHi: view.startHi,
      startLo: view.startLo,
      endHi: view.endHi,
      endLo: view.endLo,
      steps: [],
    };
    builds.push(turn);
    return turn;
  };
  const extend = (turn: TurnBuild, view: SpanView): void => {
    if (before(turn.endHi, turn.endLo, view.endHi, view.endLo)) {
      turn.endHi = view.endHi;
      turn.endLo = view.endLo;
    }
  };
  const addTool = (turn: TurnBuild, step: IStep): void => {
    turn.steps.push(step);
    result.toolCalls++;
    if (step.error) result.toolErrors++;
    if (step.name) toolNames.add(step.name);
  };

  views.forEach((view, i) => {
    const opens = starts.get(i);
    if (opens) {
      current = open(view, view.spanId, boundedText(opens.userInput.view, opens.userInput.range, maxTextLength));
      current.rootOutput = opens.output;
      if (opens.isRoot) return;
    }
    const role = roles[i];
    const genAi = view.genAi;
    if (!genAi || role === 'none' || role === 'chain') {
      if (current) extend(current, view);
      return;
    }
    // A root agent span is the container of the work, not a step of it.
    if (role === 'agent' && isRoot(view, ids)) return;
    const turn = (current ??= open(view, '', ''));
    extend(turn, view);
    // Plain literals, no spreads: V8 copies spread objects slowly (µs per step).
    const spanId = view.spanId;
    const start = time(view.startHi, view.startLo);
    const end = time(view.endHi, view.endLo);
    if (role === 'llm') {
      const requests = genAi.toolCallRequests;
      turn.steps.push({
        kind: LLM_CALL,
        spanId,
        name: genAi.requestModel || genAi.responseModel || text(view, view.name),
        toolCallId: requests.length === 1 ? requests[0]?.id : '',
        error: spanFailed(view),
        startTimeUnixNano: start,
        endTimeUnixNano: end,
        inputTokens: Long.fromNumber(genAi.inputTokens ?? 0),
        outputTokens: Long.fromNumber(genAi.outputTokens ?? 0),
      });
      result.llmCalls++;
      result.inputTokens += genAi.inputTokens ?? 0;
      result.outputTokens += genAi.outputTokens ?? 0;
      const model = genAi.requestModel || genAi.responseModel;
      if (model) models.add(model);
      if (nonEmpty(genAi.outputText)) turn.lastLlmOutput = { view, range: genAi.outputText };
      // Tool calls the model asked for that no tool span reports: the step is the request, the
      // result is the tool message of a later LLM call.
      for (const request of requests) {
        if (request.id !== '' && toolSpanCalls.has(request.id)) continue;
        const answer = request.id === '' ? undefined : toolResults.get(request.id);
        addTool(turn, {
          kind: TOOL_CALL,
          spanId,
          name: request.name,
          toolCallId: request.id,
          resultSpanId: answer?.view.spanId ?? '',
          error: answer ? looksLikeError(answer.view, answer.content) : false,
          startTimeUnixNano: end,
          endTimeUnixNano: answer ? time(answer.view.startHi, answer.view.startLo) : end,
        });
      }
    } else if (role === 'tool') {
      const ownResult = nonEmpty(genAi.toolCallResult);
      const answer = ownResult || genAi.toolCallId === '' ? undefined : toolResults.get(genAi.toolCallId);
      addTool(turn, {
        kind: TOOL_CALL,
        spanId,
        name: genAi.toolName || text(view, view.name),
        toolCallId: genAi.toolCallId,
        resultSpanId: answer?.view.spanId ?? '',
        error: spanFailed(view) || looksLikeError(view, genAi.toolCallResult) || (answer ? looksLikeError(answer.view, answer.content) : false),
        startTimeUnixNano: start,
        endTimeUnixNano: end,
      });
    } else {
      turn.steps.push({
        kind: OTHER,
        spanId,
        name: genAi.agentName || genAi.requestModel || text(view, view.name),
        error: spanFailed(view),
        startTimeUnixNano: start,
        endTimeUnixNano: end,
      });
    }
  });

  builds.forEach((turn, index) => {
    const output = turn.rootOutput ?? turn.lastLlmOutput;
    const outputText = output ? boundedText(output.view, output.range, maxTextLength) : '';
    result.turns.push({
      index,
      userSpanId: turn.userSpanId,
      userInput: turn.userInput,
      output: outputText,
      startTimeUnixNano: time(turn.startHi, turn.startLo),
      endTimeUnixNano: time(turn.endHi, turn.endLo),
      steps: turn.steps,
    });
    if (turn.userSpanId !== '') {
      result.userTurns++;
      if (result.userTurns === 1) result.firstUserInput = turn.userInput;
    }
    if (outputText !== '') result.finalOutput = outputText;
  });
  result.models = [...models];
  result.toolNames = [...toolNames];
  return result;
}
