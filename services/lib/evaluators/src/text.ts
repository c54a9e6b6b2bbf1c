// Small lexical helpers shared by the evaluators. Deliberately plain: word sets, a crude stemmer and a
// stopword list, so that every signal stays cheap (microseconds) and explainable.

const STOPWORDS = new Set(
  (
    'a an the and or but if then else of to in on at by for with from into onto about as is are was were be been being ' +
    'do does did done doing have has had having i me my mine we us our you your yours he him his she her it its they them their ' +
    'this that these those there here what which who whom whose when where why how all any both each few more most other some such ' +
    'no nor not only own same so than too very can could will would shall should may might must just also now up down out over ' +
    'under again further once am im ive id ill youre youll youve dont cant wont isnt arent wasnt didnt doesnt please thanks thank ' +
    'hi hello hey ok okay yes yeah sure let lets get got like want need would like one two well really much many via per'
  ).split(/\s+/),
);

const WORD = /[\p{L}\p{N}][\p{L}\p{N}_'-]*/gu;

/** Crude English stem: enough to match "flights"/"flight", "booked"/"booking"/"book". */
export function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 3 && w.endsWith('es') && /(?:ss|x|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  // "cancelled" -> "cancell" -> "cancel", "stopping" -> "stopp" -> "stop".
  if (w !== word && w.length > 3 && w[w.length - 1] === w[w.length - 2] && !/[aeiou]/.test(w[w.length - 1]!)) w = w.slice(0, -1);
  return w;
}

/** The content word of a WORD match, or null when it does not count (short, a stopword). */
function contentWord(raw: string): string | null {
  const word = raw.includes("'") ? raw.replace(/'/g, '') : raw;
  if (word.length < 3 || STOPWORDS.has(word)) return null;
  return stem(word);
}

// A vocabulary repeats across messages and sessions: each word's content word is memoised, and each
// distinct content word numbered, so that word sets are arrays of numbers instead of Sets of strings
// (building a Set costs more than scanning the text). ASCII words are looked up in an open-addressing
// table hashed while the text is scanned: a known word is neither sliced out of its text nor hashed again.
// Bounded: the tables are cleared when large, which starts a new epoch of numbers; sets from different
// epochs are compared by their words.

/** The content word of a WORD match of the Unicode path (the ASCII path has its own table). */
const contentWordOf = new Map<string, string | null>();

function unicodeContentWord(raw: string): string | null {
  let word = contentWordOf.get(raw);
  if (word === undefined) {
    word = contentWord(raw);
    if (contentWordOf.size >= 100_000) contentWordOf.clear();
    contentWordOf.set(raw, word);
  }
  return word;
}

const SLOTS = 1 << 18;
const SLOT_MASK = SLOTS - 1;
/** Entries kept before the tables are cleared (a quarter of the slots: probes stay short). */
const MAX_ENTRIES = SLOTS >> 2;
const slots = new Int32Array(SLOTS).fill(-1);
let rawOf: string[] = [];
let contentOf: Array<string | null> = [];
let contentIdOf: number[] = [];
let hashOf: number[] = [];
/** Content word -> its number in this epoch (numbers < MAX_ENTRIES). */
const contentIds = new Map<string, number>();
let epoch = 0;

function clearTables(): void {
  slots.fill(-1);
  rawOf = [];
  contentOf = [];
  contentIdOf = [];
  hashOf = [];
  contentIds.clear();
  epoch++;
}

/** The number of a content word in this epoch (the tables are cleared first when full). */
function idOf(word: string): number {
  let id = contentIds.get(word);
  if (id === undefined) {
    if (contentIds.size >= MAX_ENTRIES) clearTables();
    id = contentIds.size;
    contentIds.set(word, id);
  }
  return id;
}

/** The table entry of lower.slice(start, end), whose FNV-1a hash is `hash` (added when new). */
function asciiEntry(lower: string, start: number, end: number, hash: number): number {
  const length = end - start;
  let slot = hash & SLOT_MASK;
  for (;;) {
    const entry = slots[slot]!;
    if (entry === -1) break;
    if (hashOf[entry] === hash) {
      const raw = rawOf[entry]!;
      if (raw.length === length) {
        let k = 0;
        while (k < length && raw.charCodeAt(k) === lower.charCodeAt(start + k)) k++;
        if (k === length) return entry;
      }
    }
    slot = (slot + 1) & SLOT_MASK;
  }
  if (rawOf.length >= MAX_ENTRIES || contentIds.size >= MAX_ENTRIES) {
    clearTables();
    slot = hash & SLOT_MASK;
  }
  const raw = lower.slice(start, end);
  const word = contentWord(raw);
  const entry = rawOf.length;
  slots[slot] = entry;
  rawOf.push(raw);
  contentOf.push(word);
  contentIdOf.push(word === null ? -1 : idOf(word));
  hashOf.push(hash);
  return entry;
}

const isAlphanumeric = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);

/**
 * Non-ASCII characters that are neither \p{L} nor \p{N} nor changed by toLowerCase, common in model and
 * user text (curly quotes, dashes, ellipsis, bullets, non-breaking spaces, currency): they end a word as
 * ASCII punctuation does, so a text with them still takes the ASCII path. Checked when the module loads.
 */
const SEPARATORS = new Set([0x2018, 0x2019, 0x201c, 0x201d, 0x2013, 0x2014, 0x2026, 0x2022, 0x00b7, 0x00a0, 0x202f, 0x2009, 0x20ac, 0x00a3, 0x00a9, 0x00ae, 0x2122, 0x00b0, 0x2192]);
for (const c of SEPARATORS) {
  const ch = String.fromCharCode(c);
  if (/[\p{L}\p{N}]/u.test(ch) || ch.toLowerCase() !== ch) throw new Error(`U+${c.toString(16)} cannot separate words`);
}

/** The content words (or null) of the words of the text being scanned, and their numbers; reused from call to call. */
const scannedWords: Array<string | null> = [];
const scannedIds: number[] = [];

/**
 * WORD's matches in lowercased ASCII text (SEPARATORS allowed), without the Unicode regex (several times faster): in ASCII,
 * \p{L} is a-z (once lowercased) and \p{N} is 0-9; SEPARATORS are neither. Their content words go to
 * scannedWords/scannedIds; -1 at the first other non-ASCII character, else how many.
 */
function scanAsciiWords(lower: string): number {
  let count = 0;
  const n = lower.length;
  let i = 0;
  while (i < n) {
    const c = lower.charCodeAt(i);
    if (c >= 128 && !SEPARATORS.has(c)) return -1;
    if (!isAlphanumeric(c)) {
      i++;
      continue;
    }
    const start = i++;
    let hash = Math.imul(0x811c9dc5 ^ c, 0x01000193);
    for (; i < n; i++) {
      const d = lower.charCodeAt(i);
      if (d >= 128 && !SEPARATORS.has(d)) return -1;
      if (!(isAlphanumeric(d) || d === 95 || d === 39 || d === 45)) break;
      hash = Math.imul(hash ^ d, 0x01000193);
    }
    // Under 3 characters a word never counts (contentWord): not even looked up.
    if (i - start >= 3) {
      const entry = asciiEntry(lower, start, i, hash);
      scannedWords[count] = contentOf[entry]!;
      scannedIds[count++] = contentIdOf[entry]!;
    }
  }
  return count;
}

/** WORD's matches of any text (the Unicode regex), into scannedWords/scannedIds; how many. */
function scanUnicodeWords(lower: string): number {
  let count = 0;
  for (const raw of lower.match(WORD) ?? []) {
    const word = unicodeContentWord(raw);
    scannedWords[count] = word;
    scannedIds[count++] = word === null ? -1 : idOf(word);
  }
  return count;
}

/**
 * A set of content words: distinct, in the order first seen. `ids` are their numbers in `epoch`
 * (epoch -1: no numbers, compare by words). Never changed once built.
 */
export interface WordSet {
  readonly size: number;
  readonly words: readonly string[];
  readonly ids: readonly number[];
  readonly epoch: number;
}

const EMPTY: WordSet = Object.freeze({ size: 0, words: [], ids: [], epoch: -1 });

// Marks by word number for set operations: a slot holds the stamp of the last operation that marked it.
const marks = new Int32Array(MAX_ENTRIES);
let stamp = 0;

function nextStamp(): number {
  if (stamp === 0x7fffffff) {
    marks.fill(0);
    stamp = 0;
  }
  return ++stamp;
}

/** The distinct words of scannedWords[0..count) in order, at most `max`; numbered when all are from epoch `from`. */
function collect(count: number, max: number, from: number): WordSet {
  const words: string[] = [];
  if (from === epoch) {
    const ids: number[] = [];
    const mark = nextStamp();
    for (let k = 0; k < count && words.length < max; k++) {
      const id = scannedIds[k]!;
      if (id < 0 || marks[id] === mark) continue;
      marks[id] = mark;
      ids.push(id);
      words.push(scannedWords[k]!);
    }
    return { size: words.length, words, ids, epoch: from };
  }
  // The tables were cleared while the text was read: its numbers are of two epochs.
  const seen = new Set<string>();
  for (let k = 0; k < count && seen.size < max; k++) {
    const word = scannedWords[k] as string | null;
    if (word === null || seen.has(word)) continue;
    seen.add(word);
    words.push(word);
  }
  return { size: words.length, words, ids: [], epoch: -1 };
}

/** Content words of a text (lowercased, stemmed, stopwords and 1-2 letter words dropped), the first `max` distinct. */
export function wordSet(text: string, max = 400): WordSet {
  if (text === '') return EMPTY;
  const lower = text.toLowerCase();
  const from = epoch;
  let count = scanAsciiWords(lower);
  if (count < 0) count = scanUnicodeWords(lower);
  return collect(count, max, from);
}

/** wordSet as a Set. */
export function contentWords(text: string, max = 400): Set<string> {
  return new Set(wordSet(text, max).words);
}

/** How many words of `a` are in some set of `sets`. */
export function sharedCount(a: WordSet, sets: readonly WordSet[]): number {
  let hit = 0;
  if (a.epoch >= 0 && sets.every((set) => set.epoch === a.epoch || set.size === 0)) {
    const mark = nextStamp();
    for (const set of sets) for (const id of set.ids) marks[id] = mark;
    for (const id of a.ids) if (marks[id] === mark) hit++;
    return hit;
  }
  const union = new Set<string>();
  for (const set of sets) for (const word of set.words) union.add(word);
  for (const word of a.words) if (union.has(word)) hit++;
  return hit;
}

/** The union of word sets, words in the order first seen. */
export function unionOf(sets: readonly WordSet[]): WordSet {
  const words: string[] = [];
  const from = sets.find((set) => set.size > 0)?.epoch ?? -1;
  if (from >= 0 && sets.every((set) => set.epoch === from || set.size === 0)) {
    const ids: number[] = [];
    const mark = nextStamp();
    for (const set of sets) {
      for (let k = 0; k < set.size; k++) {
        const id = set.ids[k]!;
        if (marks[id] === mark) continue;
        marks[id] = mark;
        ids.push(id);
        words.push(set.words[k]!);
      }
    }
    return { size: words.length, words, ids, epoch: from };
  }
  const seen = new Set<string>();
  for (const set of sets) for (const word of set.words) seen.add(word);
  for (const word of seen) words.push(word);
  return { size: words.length, words, ids: [], epoch: -1 };
}

/** Share of `a`'s words found in `b` (0 when `a` is empty). */
export function coverage(a: WordSet, b: WordSet): number {
  if (a.size === 0) return 0;
  return sharedCount(a, [b]) / a.size;
}

export function jaccard(a: WordSet, b: WordSet): number {
  if (a.size === 0 && b.size === 0) return 0;
  const hit = sharedCount(a, [b]);
  return hit / (a.size + b.size - hit);
}

/** Tokens estimated from text when a producer reports none: ~4 characters per token for English. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

const ERROR_OPENING = /^\s*(?:["'[{(]\s*)?(?:error\b|errors\b|exception\b|traceback\b|failed\b|failure\b|fatal\b|"?error"?\s*:|"?status"?\s*:\s*"?(?:error|failed|4\d\d|5\d\d)\b)/i;

/** A tool result that opens like an error report ("Error: ...", {"error": ...}, "Traceback ..."). */
export function opensLikeError(text: string): boolean {
  return ERROR_OPENING.test(text.length > 256 ? text.slice(0, 256) : text);
}

const EMPTY_RESULT = /^\s*(?:|null|none|undefined|nil|\[\s*\]|\{\s*\}|""|''|\[\s*\[\s*\]\s*\]|\{\s*"(?:data|results?|items|hits|rows|records|output)"\s*:\s*(?:\[\s*\]|null|\{\s*\})\s*\})\s*$/i;

/** A successful-looking result with nothing in it: empty, null, [] or {} (also {"results": []}). */
export function isEmptyResult(text: string): boolean {
  return text.length < 64 && EMPTY_RESULT.test(text);
}

/** Words with which an agent acknowledges that something went wrong. */
export const ACKNOWLEDGES_PROBLEM =
  /\b(?:error|errors|unable|couldn'?t|could not|can'?t|cannot|failed|failure|fail|not (?:found|possible|available|able|valid|eligible|allowed)|unavailable|invalid|issue|problem|unfortunately|sorry|apolog\w*|seems|appears|didn'?t work|did not work|wasn'?t|was not|no (?:results?|records?|matches)|does not exist|doesn'?t exist|try again|retry)\b/i;

/** An agent claiming that something was done. */
export const CLAIMS_SUCCESS =
  /\b(?:successfully|has been (?:\w+ )?(?:updated|cancel+ed|booked|modified|processed|completed|created|changed|sent|issued|refunded|added|removed|scheduled|submitted|applied|confirmed|reserved|upgraded|done)|have (?:\w+ )?(?:updated|cancel+ed|booked|modified|processed|completed|created|changed|sent|issued|refunded|added|removed|scheduled|submitted|applied|upgraded)|is now (?:updated|cancel+ed|booked|confirmed|complete)|all set|is complete|is done|(?:i've|i have) (?:gone ahead|taken care))\b/i;

/** JavaScript's \s: WhiteSpace and LineTerminator (Unicode Zs, tab, VT, FF, LF, CR, BOM, LS, PS). */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * text.replace(/\s+/g, ' '), without the regex: that replaces every single space by a space, about a
 * microsecond for a line of text; here only runs other than one plain space are rewritten.
 */
export function collapseSpaces(text: string): string {
  let out = '';
  let from = 0;
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (!isSpace(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    if (j - i > 1 || c !== 32) {
      out += `${text.slice(from, i)} `;
      from = j;
    }
    i = j;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Cuts a text for a note. */
export function clip(text: string, max = 80): string {
  // A long text (a tool result) is cut from its head when that head alone is longer than the note.
  if (text.length > 4 * max) {
    const head = collapseSpaces(text.slice(0, 2 * max)).trimStart();
    if (head.trimEnd().length > max) return `${head.slice(0, max - 1)}…`;
  }
  const flat = collapseSpaces(text).trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/**
 * Values derived from texts of a session (its messages, its tool calls' arguments), kept by timeline
 * position while the session is evaluated: several evaluators read the same texts. A slot holds the text
 * it was computed from and serves only that text (a value depends on nothing else), so another session's
 * item at the same position recomputes. No hashing and no WeakMap (whose entries the garbage collector
 * walks); only the last text seen at each of the first `size` positions is kept.
 */
export class PositionMemo<V> {
  private readonly texts: Array<string | undefined>;
  private readonly values: Array<V | undefined>;

  constructor(
    private readonly size: number,
    private readonly compute: (text: string) => V,
  ) {
    this.texts = new Array<string | undefined>(size).fill(undefined);
    this.values = new Array<V | undefined>(size).fill(undefined);
  }

  get(position: number, text: string): V {
    if (!(position >= 0 && position < this.size)) return this.compute(text);
    if (this.texts[position] === text) return this.values[position]!;
    const value = this.compute(text);
    this.texts[position] = text;
    this.values[position] = value;
    return value;
  }
}

const wordMemo = new PositionMemo<WordSet>(1024, (text) => wordSet(text, 200));

/** wordSet of a message, computed once per message (several evaluators read the same messages). */
export function wordsOf(message: { text: string; position: number }): WordSet {
  return wordMemo.get(message.position, message.text);
}
