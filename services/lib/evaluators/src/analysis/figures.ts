// Figures an agent states that nothing in the session supports: numbers (amounts, counts) in assistant
// messages that appear in no tool result, user message or system prompt. Agents that compute totals or
// quote prices from memory get them wrong; a reviewer should check them.
import type { MessageView, SessionView } from '../view/session-view.js';

const FIGURE = /(?:[$€£]\s?)?\b\d{1,3}(?:,\d{3})*(?:\.\d+)?\b|\b\d+(?:\.\d+)?\b/g;

function normalise(figure: string): string {
  return figure.replace(/[$€£,\s]/g, '').replace(/\.0+$/, '');
}

export function unsupportedFigures(view: SessionView): { count: number; values: string[]; first: MessageView | undefined } {
  if (view.toolCalls.length === 0) return { count: 0, values: [], first: undefined };
  const known = new Set<string>();
  const collect = (text: string) => {
    for (const match of text.matchAll(FIGURE)) known.add(normalise(match[0]));
  };
  collect(view.systemPrompt.slice(0, 50_000));
  let count = 0;
  const values: string[] = [];
  let first: MessageView | undefined;
  for (const entry of view.timeline) {
    if (entry.kind === 'tool') {
      if (entry.call.result) collect(entry.call.result);
      collect(entry.call.arguments);
      continue;
    }
    const message = entry.message;
    if (message.role === 'user') {
      collect(message.text);
      continue;
    }
    for (const match of message.text.matchAll(FIGURE)) {
      const value = normalise(match[0]);
      // Small numbers are list markers, counts and times of day, not figures worth checking.
      if (value.replace(/\D/g, '').length < 2 || known.has(value)) continue;
      count++;
      if (values.length < 5) values.push(match[0].trim());
      first ??= message;
      known.add(value);
    }
  }
  return { count, values, first };
}
