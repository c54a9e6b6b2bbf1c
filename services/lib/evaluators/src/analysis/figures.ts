// Figures an agent states that nothing in the session supports: numbers (amounts, counts) in assistant
// messages that appear in no earlier tool result or argument, user message or the system prompt. Agents that
// compute totals or quote prices from memory get them wrong; a reviewer should check them.
import { KnownText } from '../known-text.js';
import { isSpace } from '../text.js';
import type { MessageView, SessionView } from '../view/session-view.js';

const FIGURE = /[$€£]?\s?\d[\d,]*(?:\.\d+)?/g;

const isDigit = (c: number) => c >= 48 && c <= 57;
/** Characters a figure (and what is searched for it) is made of: digits, . , $ € £ and spaces. */
const inFigure = (c: number) => isDigit(c) || c === 46 || c === 44 || c === 36 || c === 0x20ac || c === 0xa3 || isSpace(c);

/**
 * The runs of figure characters that hold a digit, joined by "x": a figure occurs in the prompt exactly
 * when it occurs in one run, so searching these instead of the whole prompt (~6 KB) gives the same answer.
 */
function figureRuns(text: string): string {
  const runs: string[] = [];
  for (let i = 0; i < text.length; ) {
    if (!inFigure(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i;
    let digit = false;
    for (; j < text.length && inFigure(text.charCodeAt(j)); j++) digit ||= isDigit(text.charCodeAt(j));
    if (digit) runs.push(text.slice(i, j));
    i = j;
  }
  return runs.join('x');
}

// Sessions of one agent share its system prompt: the last one's runs are kept.
let lastPrompt = '';
let lastRuns = '';

function promptRuns(prompt: string): string {
  if (prompt !== lastPrompt) {
    lastPrompt = prompt;
    lastRuns = figureRuns(prompt);
  }
  return lastRuns;
}

export function unsupportedFigures(view: SessionView): { count: number; values: string[]; first: MessageView | undefined } {
  const none = { count: 0, values: [], first: undefined };
  if (view.toolCalls.length === 0) return none;
  // What was known before each assistant message: grown as the timeline is walked, searched with includes.
  const known = new KnownText(view.systemPrompt, promptRuns(view.systemPrompt));
  let count = 0;
  const values: string[] = [];
  let first: MessageView | undefined;
  for (const entry of view.timeline) {
    if (entry.kind === 'tool') {
      known.add(entry.call.arguments);
      known.add(entry.call.result ?? '');
      continue;
    }
    const message = entry.message;
    if (message.role === 'user') {
      known.add(message.text);
      continue;
    }
    if (!/\d\d/.test(message.text)) continue;
    for (const match of message.text.matchAll(FIGURE)) {
      const digits = match[0].replace(/[$€£,\s]/g, '');
      // Small numbers are list markers, counts and times of day, not figures worth checking.
      if (digits.replace(/\D/g, '').length < 2) continue;
      const bare = digits.replace(/\.0+$/, '');
      const said = match[0].trim();
      // Often the same text three times: each searched once.
      if (known.includes(digits) || (bare !== digits && known.includes(bare)) || (said !== digits && said !== bare && known.includes(said))) continue;
      count++;
      if (values.length < 5) values.push(said);
      first ??= message;
      known.add(digits);
    }
  }
  return { count, values, first };
}
