// Constraints a user (or the system prompt) states in words, and the later actions that break them.
// Only constraints with a concrete object are kept (a code, a number, a name), so a violation is a literal
// match in the arguments of a state-changing call, not a guess.
import { argumentLeaves, isMutatingTool, parseArguments } from './actions.js';
import type { MessageView, SessionView, ToolCallView } from '../view/session-view.js';

export interface Constraint {
  kind: 'exclude' | 'max' | 'min';
  /** For bounds: what the number measures. */
  unit: 'money' | 'count';
  /** The excluded value, or the bound as text. */
  value: string;
  bound: number;
  source: MessageView | undefined;
  /** Character offset of the statement in the system prompt (system constraints). */
  systemOffset: number;
  text: string;
}

export interface Violation {
  constraint: Constraint;
  call: ToolCallView;
  detail: string;
}

const EXCLUDE =
  /\b(?:not|never|no|don'?t|do not|doesn'?t|does not|won'?t|will not|without|avoid|exclude|except|rather not)\s+(?:(?:want|like|accept|use|book|take|include|fly|go|through|via|to|from|on|in|a|an|the|any|with)\s+){0,4}([A-Z][A-Z0-9]{1,9}\b|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?|\d[\w:/.-]*)/g;
const MAX = /\b(?:at most|no more than|not more than|maximum(?: of)?|max(?:imum)?|under|below|less than|up to|cheaper than)\s+(?:a budget of\s+)?(\$|€|£)?\s?(\d[\d,]*(?:\.\d+)?)\s*([a-z]+)?/gi;
const MIN = /\b(?:at least|no less than|not less than|minimum(?: of)?)\s+(\$|€|£)?\s?(\d[\d,]*(?:\.\d+)?)\s*([a-z]+)?/gi;
/** Bounds on time ("within 24 hours") or on anything but money and counts are not checked against arguments. */
const TIME_UNIT = /^(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|am|pm|percent|%)$/i;
const MONEY_UNIT = /^(?:dollars?|usd|eur|euros?|gbp|pounds?|bucks)$/i;
const MONEY_KEY = /(?:price|amount|total|cost|fee|budget|balance|payment|charge|fare)/i;
const COUNT_KEY = /(?:count|quantity|qty|num|number_of|passengers|guests|people|persons|nights|items|units|seats|bags|limit|size)/i;
/** Capitalized words that open sentences or are common words, not names. */
const COMMON = /^(?:I|The|A|An|My|Me|It|This|That|Please|Yes|No|Ok|Okay|Thanks|Thank|Hi|Hello|Sure|And|But|Or|So|If|Then|Also|Just|Not|Any|Do|Is|Are|We|You|Can|Could|Would|Will|Let|Should)$/;

// One test per text first: most texts state no constraint, and matchAll copies its regex at every call.
// Each matches exactly when its global regexes find something (the same patterns, without g).
const ANY_EXCLUDE = new RegExp(EXCLUDE.source, EXCLUDE.flags.replace('g', ''));
if (MAX.flags !== MIN.flags) throw new Error('MAX and MIN must share their flags to be tried as one alternation');
const ANY_BOUND = new RegExp(`(?:${MAX.source})|(?:${MIN.source})`, MAX.flags.replace('g', ''));

function scan(text: string, source: MessageView | undefined, systemOffset: number, out: Constraint[]): void {
  if (ANY_EXCLUDE.test(text)) scanExcludes(text, source, systemOffset, out);
  if (ANY_BOUND.test(text)) scanBounds(text, source, systemOffset, out);
}

function scanExcludes(text: string, source: MessageView | undefined, systemOffset: number, out: Constraint[]): void {
  for (const match of text.matchAll(EXCLUDE)) {
    const value = match[1]!.trim();
    if (COMMON.test(value.split(/\s+/)[0]!)) continue;
    out.push({ kind: 'exclude', unit: 'count', value, bound: 0, source, systemOffset: systemOffset + (match.index ?? 0), text: match[0] });
  }
}

function scanBounds(text: string, source: MessageView | undefined, systemOffset: number, out: Constraint[]): void {
  for (const [re, kind] of [[MAX, 'max'], [MIN, 'min']] as const) {
    for (const match of text.matchAll(re)) {
      const unitWord = match[3] ?? '';
      if (TIME_UNIT.test(unitWord)) continue;
      const bound = Number(match[2]!.replace(/,/g, ''));
      if (!Number.isFinite(bound)) continue;
      const unit = match[1] || MONEY_UNIT.test(unitWord) ? 'money' : 'count';
      out.push({ kind, unit, value: match[2]!, bound, source, systemOffset: systemOffset + (match.index ?? 0), text: match[0].trim() });
    }
  }
}

// An agent sends the same system prompt in every session, and scanning its ~6 KB is most of this
// evaluator's work: its constraints are kept by prompt text (few distinct prompts; cleared when many).
// Callers never change a Constraint, so sessions can share them.
// Looked up by length, then compared: hashing a long string costs more than comparing it.
const systemConstraints = new Map<number, Array<{ text: string; constraints: readonly Constraint[] }>>();
let cachedPrompts = 0;
const MAX_SYSTEM_PROMPTS = 64;

function constraintsOfSystemPrompt(prompt: string): readonly Constraint[] {
  const text = prompt.slice(0, 20_000);
  const sameLength = systemConstraints.get(text.length);
  for (const entry of sameLength ?? []) if (entry.text === text) return entry.constraints;
  const constraints: Constraint[] = [];
  scan(text, undefined, 0, constraints);
  if (cachedPrompts >= MAX_SYSTEM_PROMPTS) {
    systemConstraints.clear();
    cachedPrompts = 0;
  }
  const entries = systemConstraints.get(text.length) ?? [];
  entries.push({ text, constraints });
  systemConstraints.set(text.length, entries);
  cachedPrompts++;
  return constraints;
}

/** Constraints from the early user messages (the first `earlyTurns`) and, optionally, the system prompt. */
export function extractConstraints(view: SessionView, earlyTurns: number, includeSystem: boolean): Constraint[] {
  const out: Constraint[] = [];
  if (includeSystem && view.systemPrompt !== '') out.push(...constraintsOfSystemPrompt(view.systemPrompt));
  for (const message of view.userMessages.slice(0, earlyTurns)) scan(message.text, message, 0, out);
  return out;
}

function violates(constraint: Constraint, call: ToolCallView): string | undefined {
  const leaves = argumentLeaves(parseArguments(call));
  if (constraint.kind === 'exclude') {
    const needle = constraint.value;
    const caseSensitive = /^[A-Z0-9]+$/.test(needle);
    for (const [key, value] of leaves) {
      const hay = caseSensitive ? value : value.toLowerCase();
      const word = caseSensitive ? needle : needle.toLowerCase();
      if (hay === word || new RegExp(`(?:^|[^A-Za-z0-9])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:$|[^A-Za-z0-9])`).test(hay)) {
        return `${call.name} uses ${key || 'value'} ${value}, excluded earlier ("${constraint.text}")`;
      }
    }
    return undefined;
  }
  for (const [key, value] of leaves) {
    if (!(constraint.unit === 'money' ? MONEY_KEY : COUNT_KEY).test(key)) continue;
    const number = Number(value);
    if (!Number.isFinite(number)) continue;
    if (constraint.kind === 'max' && number > constraint.bound) return `${call.name} sets ${key} ${value}, over the stated ${constraint.bound} ("${constraint.text}")`;
    if (constraint.kind === 'min' && number < constraint.bound) return `${call.name} sets ${key} ${value}, under the stated ${constraint.bound} ("${constraint.text}")`;
  }
  return undefined;
}

/** Later state-changing calls whose arguments break an earlier constraint. */
export function findViolations(view: SessionView, constraints: readonly Constraint[]): Violation[] {
  const out: Violation[] = [];
  if (constraints.length === 0) return out;
  for (const call of view.toolCalls) {
    if (!isMutatingTool(call.name) || call.arguments === '') continue;
    for (const constraint of constraints) {
      if (constraint.source && constraint.source.position > call.position) continue;
      const detail = violates(constraint, call);
      if (detail) out.push({ constraint, call, detail });
    }
  }
  return out;
}
