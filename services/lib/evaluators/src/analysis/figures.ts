// Figures an agent states that nothing in the session supports: numbers (amounts, counts) in assistant
// messages that appear in no earlier tool result or argument, user message or the system prompt. Agents that
// compute totals or quote prices from memory get them wrong; a reviewer should check them.
import { KnownText } from '../known-text.js';
import { isSpace } from '../text.js';
import type { MessageView, SessionView } from '../view/session-view.js';

/** What counts as a figure (figuresIn finds its matches without the regex). */
export const FIGURE = /[$€£]?\s?\d[\d,]*(?:\.\d+)?/g;

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

const isCurrency = (c: number) => c === 36 || c === 0x20ac || c === 0xa3;

export interface Figure {
  /** The figure without currency, spaces and commas ("1250.00"). */
  digits: string;
  /** digits without a fraction of zeros ("1250"). */
  bare: string;
  /** As written, trimmed ("$1,250.00"). */
  said: string;
}

/**
 * The matches of FIGURE in a text with 2 digits or more, scanned by hand (same matches, no regex, no
 * replace): a match starts at a digit, or one character before it (a currency sign or a space), or two
 * (a currency sign, then a space); then digits and commas, then "." and digits when a digit follows.
 */
export function figuresIn(text: string): Figure[] {
  const out: Figure[] = [];
  const n = text.length;
  let from = 0;
  for (;;) {
    let d = from;
    while (d < n && !isDigit(text.charCodeAt(d))) d++;
    if (d >= n) return out;
    // The leftmost start: [$€£]\s before the digit, else [$€£] or \s, else the digit (no digit lies between from and d).
    let start = d;
    if (d - 1 >= from) {
      const before = text.charCodeAt(d - 1);
      if (d - 2 >= from && isSpace(before) && isCurrency(text.charCodeAt(d - 2))) start = d - 2;
      else if (isCurrency(before) || isSpace(before)) start = d - 1;
    }
    let end = d + 1;
    let digitCount = 1;
    let comma = false;
    for (; end < n; end++) {
      const c = text.charCodeAt(end);
      if (isDigit(c)) digitCount++;
      else if (c === 44) comma = true;
      else break;
    }
    let zeroFraction = false;
    let fraction = 0;
    if (end + 1 < n && text.charCodeAt(end) === 46 && isDigit(text.charCodeAt(end + 1))) {
      const dot = end;
      zeroFraction = true;
      for (end = dot + 1; end < n && isDigit(text.charCodeAt(end)); end++) {
        digitCount++;
        if (text.charCodeAt(end) !== 48) zeroFraction = false;
      }
      fraction = end - dot;
    }
    from = end;
    // Small numbers are list markers, counts and times of day, not figures worth checking.
    if (digitCount < 2) continue;
    const number = text.slice(d, end);
    const digits = comma ? number.replace(/,/g, '') : number;
    const bare = zeroFraction ? digits.slice(0, digits.length - fraction) : digits;
    const said = isSpace(text.charCodeAt(start)) ? text.slice(start + 1, end) : text.slice(start, end);
    out.push({ digits, bare, said });
  }
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
    for (const figure of figuresIn(message.text)) {
      const { digits, bare, said } = figure;
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
