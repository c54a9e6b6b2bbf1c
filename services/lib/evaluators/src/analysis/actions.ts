// What the agent did to the world: tool calls classified by their name (generic verbs, no product words),
// their arguments parsed, and whether the values they act on came from the user or a tool.
import { KnownText } from '../known-text.js';
import { PositionMemo } from '../text.js';
import type { SessionView, ToolCallView } from '../view/session-view.js';

/** Verbs of tools that change state: where a wrong step hurts the user. */
const MUTATING = new Set(
  ('update modify change edit set add create insert post put write save book reserve purchase buy order place pay charge ' +
    'refund cancel delete remove revoke send submit issue apply upgrade downgrade schedule reschedule transfer ' +
    'assign approve reject close open grant execute commit deploy publish').split(' '),
);
/** Tools that hand the session to a person. */
const ESCALATION = /(?:^|[_\-. ])(?:human|person|operator|escalat\w*|handoff|hand_off|live_?agent|representative|support_agent)(?:$|[_\-. s])/i;

export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((token) => token !== '');
}

export function isEscalationTool(name: string): boolean {
  return ESCALATION.test(name);
}

// Tool names repeat across sessions: their classification is memoised (bounded: cleared when large).
const mutatingByName = new Map<string, boolean>();

/** A tool whose name says it changes state (its first word a mutating verb), escalations excluded. */
export function isMutatingTool(name: string): boolean {
  let mutating = mutatingByName.get(name);
  if (mutating === undefined) {
    mutating = !isEscalationTool(name) && MUTATING.has(nameTokens(name)[0] ?? '');
    if (mutatingByName.size >= 10_000) mutatingByName.clear();
    mutatingByName.set(name, mutating);
  }
  return mutating;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const parsedArguments = new PositionMemo<unknown>(1024, parseJson);

/** A call's arguments parsed once (several evaluators read them; never changed); undefined when absent or not JSON. */
export function parseArguments(call: Pick<ToolCallView, 'arguments' | 'position'>): unknown {
  if (call.arguments === '') return undefined;
  return parsedArguments.get(call.position, call.arguments);
}

/** Scalar leaves of parsed arguments as [key, value text]. */
export function argumentLeaves(value: unknown, key = '', out: Array<[string, string]> = []): Array<[string, string]> {
  if (value === null || value === undefined || out.length > 64) return out;
  if (Array.isArray(value)) {
    for (const item of value) argumentLeaves(item, key, out);
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) argumentLeaves(v, k, out);
  } else if (typeof value === 'string' || typeof value === 'number') {
    out.push([key, String(value)]);
  }
  return out;
}

/** A value worth checking for grounding: an identifier, a date or an amount, not a word like "economy". */
export function isSpecificValue(value: string): boolean {
  if (value.length < 2 || value.length > 64) return false;
  if (/^\d+(?:\.\d+)?$/.test(value)) return value.replace(/\D/g, '').length >= 2 && !/^0+(?:\.0+)?$/.test(value);
  return /\d/.test(value) && /^[\w.@:/+-]+$/.test(value);
}

export interface Grounding {
  call: ToolCallView;
  /** Specific argument values that no user message, tool result or system text before the call contains. */
  ungrounded: string[];
}

// Sessions of one agent share its system prompt: the last one lowercased is kept.
let lastPrompt = '';
let lastPromptLower = '';

function lowerSystemPrompt(prompt: string): string {
  if (prompt !== lastPrompt) {
    lastPrompt = prompt;
    lastPromptLower = prompt.toLowerCase();
  }
  return lastPromptLower;
}

/** Values a state-changing call acts on that nobody but the agent ever said. */
export function groundMutations(view: SessionView): Grounding[] {
  const out: Grounding[] = [];
  if (!view.toolCalls.some((call) => isMutatingTool(call.name))) return out;
  const context = new KnownText(lowerSystemPrompt(view.systemPrompt), undefined, true);
  let cursor = 0;
  for (const call of view.toolCalls) {
    // Grow the context (user messages and tool results) up to this call's position.
    for (; cursor < view.timeline.length; cursor++) {
      const entry = view.timeline[cursor]!;
      if (entry.kind === 'message' ? entry.message.position >= call.position : entry.call.position >= call.position) break;
      if (entry.kind === 'message' && entry.message.role === 'user') context.add(entry.message.text);
      else if (entry.kind === 'tool' && entry.call.result) context.add(entry.call.result);
    }
    if (!isMutatingTool(call.name)) continue;
    const ungrounded: string[] = [];
    for (const [, value] of argumentLeaves(parseArguments(call))) {
      if (isSpecificValue(value) && !context.includes(value.toLowerCase())) ungrounded.push(value);
    }
    out.push({ call, ungrounded });
  }
  return out;
}
