// Figures an agent states that nothing in the session supports: numbers (amounts, counts) in assistant
// messages that appear in no earlier tool result or argument, user message or the system prompt. Agents that
// compute totals or quote prices from memory get them wrong; a reviewer should check them.
import { KnownText } from '../known-text.js';
import type { MessageView, SessionView } from '../view/session-view.js';

const FIGURE = /[$€£]?\s?\d[\d,]*(?:\.\d+)?/g;

export function unsupportedFigures(view: SessionView): { count: number; values: string[]; first: MessageView | undefined } {
  const none = { count: 0, values: [], first: undefined };
  if (view.toolCalls.length === 0) return none;
  // What was known before each assistant message: grown as the timeline is walked, searched with includes.
  const known = new KnownText(view.systemPrompt);
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
