// The opening intent and the substantive final answer, as word sets.
import { unionOf, wordsOf, type WordSet } from '../text.js';
import type { MessageView, SessionView } from '../view/session-view.js';

export interface Intent {
  words: WordSet;
  messages: MessageView[];
}

/** Words of the first user messages until the request says something (a greeting alone does not). */
export function openingIntent(view: SessionView, minWords = 5, maxMessages = 3): Intent {
  let words = unionOf([]);
  const messages: MessageView[] = [];
  const sets: WordSet[] = [];
  for (const message of view.userMessages.slice(0, maxMessages)) {
    messages.push(message);
    sets.push(wordsOf(message));
    words = sets.length === 1 ? sets[0]! : unionOf(sets);
    if (words.size >= minWords) break;
  }
  return { words, messages };
}

/** Closing lines: thanks, goodbyes, "anything else?". */
const CLOSING = /^\W*(?:you'?re (?:very |most )?welcome|thank you|thanks|glad (?:i|to)|happy to help|my pleasure|no problem|have a (?:great|nice|good|wonderful|safe)|goodbye|bye)\b|\bif you (?:have|need) any (?:other|more|further)\b|\bis there anything else\b/i;

export function isClosing(text: string): boolean {
  return text.length < 400 && CLOSING.test(text);
}

/** The last assistant message that says something (closing pleasantries skipped), with its words. */
export function substantiveAnswer(view: SessionView, minWords = 6): { message: MessageView; words: WordSet } | undefined {
  let fallback: { message: MessageView; words: WordSet } | undefined;
  for (let i = view.assistantMessages.length - 1, seen = 0; i >= 0 && seen < 4; i--, seen++) {
    const message = view.assistantMessages[i]!;
    if (isClosing(message.text)) continue;
    const words = wordsOf(message);
    if (words.size >= minWords) return { message, words };
    fallback ??= { message, words };
  }
  return fallback;
}
