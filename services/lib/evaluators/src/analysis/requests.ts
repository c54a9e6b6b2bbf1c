// What the user asked for and how the user reacted, in generic words (no product vocabulary).
import { nameTokens } from './actions.js';
import { jaccard, wordsOf } from '../text.js';
import type { MessageView, SessionView } from '../view/session-view.js';

/** Action families: a user's verb and a tool's verb in the same family mean the same intent. */
const FAMILIES: Record<string, string[]> = {
  change: ['change', 'modify', 'update', 'edit', 'switch', 'move', 'reschedule', 'rebook', 'alter', 'amend', 'adjust', 'set'],
  cancel: ['cancel', 'delete', 'remove', 'void', 'terminate', 'drop', 'revoke', 'unsubscribe'],
  create: ['book', 'reserve', 'purchase', 'buy', 'order', 'place', 'create', 'add', 'make', 'open', 'register', 'subscribe', 'schedule'],
  refund: ['refund', 'reimburse', 'compensate', 'compensation', 'credit', 'voucher', 'certificate'],
  send: ['send', 'email', 'mail', 'notify', 'share', 'forward', 'post', 'publish'],
  pay: ['pay', 'charge', 'bill', 'payment'],
  upgrade: ['upgrade', 'downgrade'],
};
const VERB_FAMILY = new Map<string, string>();
for (const [family, verbs] of Object.entries(FAMILIES)) for (const verb of verbs) VERB_FAMILY.set(verb, family);

const familyByName = new Map<string, string | undefined>();

export function toolFamily(name: string): string | undefined {
  if (familyByName.has(name)) return familyByName.get(name);
  const family = VERB_FAMILY.get(nameTokens(name)[0] ?? '');
  if (familyByName.size >= 10_000) familyByName.clear();
  familyByName.set(name, family);
  return family;
}

/** Verbs that are as often nouns or filler in what users write ("my order", "make sure"): tools only. */
const NOT_IN_TEXT = new Set(['order', 'post', 'bill', 'credit', 'set', 'make', 'open', 'add', 'charge', 'mail', 'share', 'drop', 'move', 'payment', 'email', 'voucher', 'certificate', 'compensation', 'return', 'place']);

/** The action family of one lowercase word (its base without ing/ed/s, or that base + e), if any. */
export function familyOfWord(word: string): string | undefined {
  if (NOT_IN_TEXT.has(word)) return undefined;
  const base = word.replace(/(?:ing|ed|s)$/, '');
  if (NOT_IN_TEXT.has(base)) return undefined;
  return VERB_FAMILY.get(word) ?? VERB_FAMILY.get(base) ?? VERB_FAMILY.get(`${base}e`);
}

// Words repeat across messages and sessions: their family is memoised (bounded: cleared when large).
const familyByWord = new Map<string, string | null>();

const isLetter = (c: number) => c >= 97 && c <= 122;
/**
 * The first two letters of every verb: a word has a family only when it, its base or its base + "e"
 * is a verb (all verbs have 3 letters or more), and all three begin with the word's first two letters.
 * Most words fail this table lookup and are never sliced out or looked up.
 */
const VERB_OPENINGS = new Uint8Array(26 * 26);
for (const verb of VERB_FAMILY.keys()) {
  if (verb.length < 3 || !isLetter(verb.charCodeAt(0)) || !isLetter(verb.charCodeAt(1))) throw new Error(`verb ${verb} breaks VERB_OPENINGS`);
  VERB_OPENINGS[(verb.charCodeAt(0) - 97) * 26 + verb.charCodeAt(1) - 97] = 1;
}

/** Families of the actions a text asks for (its words: the runs of a-z in the lowercased text). */
export function requestedFamilies(text: string): Set<string> {
  const out = new Set<string>();
  const lower = text.toLowerCase();
  const n = lower.length;
  for (let i = 0; i < n; ) {
    if (!isLetter(lower.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isLetter(lower.charCodeAt(i))) i++;
    if (i - start < 2 || VERB_OPENINGS[(lower.charCodeAt(start) - 97) * 26 + lower.charCodeAt(start + 1) - 97] === 0) continue;
    const word = lower.slice(start, i);
    let family = familyByWord.get(word);
    if (family === undefined) {
      family = familyOfWord(word) ?? null;
      if (familyByWord.size >= 50_000) familyByWord.clear();
      familyByWord.set(word, family);
    }
    if (family !== null) out.add(family);
  }
  return out;
}

export const CORRECTION =
  /\b(?:that'?s not what i|not what i (?:asked|wanted|meant|said)|i (?:said|meant|asked for)\b|you (?:misunderstood|got it wrong|made a mistake)|that'?s (?:wrong|incorrect|not right)|that is (?:wrong|incorrect|not right)|i already told you|i told you|no,? that'?s not|you didn'?t|why did you|i never (?:asked|said|wanted))/i;
export const HUMAN = /\b(?:(?:speak|talk|chat|transfer|connect|put)(?: me)?(?: \w+){0,3} (?:to|with) (?:a |an |the |your )?(?:human|person|representative|manager|supervisor|real agent|live agent|someone else)|(?:real|live|actual) (?:person|human|agent)|human agent)\b/i;
export const FRUSTRATION = /\b(?:frustrat\w*|ridiculous|annoy\w*|useless|waste of (?:my )?time|not helpful|unhelpful|unacceptable|terrible|awful|this is absurd)\b/i;
/**
 * Matches exactly when CORRECTION, HUMAN or FRUSTRATION does: their alternation (all three /i, no groups
 * that capture), one pass instead of three. Each opens with \b, so the \b is taken out in front
 * (\bA|\bB|\bC is \b(?:A|B|C)), which the regex engine runs faster.
 */
export const USER_REACTION = new RegExp(
  `\\b(?:${[CORRECTION, HUMAN, FRUSTRATION]
    .map((re) => {
      if (!re.source.startsWith('\\b(?:') || re.flags !== 'i') throw new Error(`USER_REACTION cannot take ${re.source}`);
      return re.source.slice(2);
    })
    .join('|')})`,
  'i',
);

export interface Repeat {
  message: MessageView;
  earlier: MessageView;
  similarity: number;
}

/** Later user messages that say again what an earlier one said. */
export function repeatedRequests(view: SessionView, minSimilarity = 0.6, minWords = 5): Repeat[] {
  const sets = view.userMessages.map(wordsOf);
  const out: Repeat[] = [];
  for (let i = 1; i < sets.length; i++) {
    const a = sets[i]!;
    if (a.size < minWords) continue;
    for (let j = 0; j < i; j++) {
      const b = sets[j]!;
      if (b.size < minWords) continue;
      const similarity = jaccard(a, b);
      if (similarity >= minSimilarity) {
        out.push({ message: view.userMessages[i]!, earlier: view.userMessages[j]!, similarity });
        break;
      }
    }
  }
  return out;
}
