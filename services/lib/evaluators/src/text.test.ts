import { describe, expect, it } from 'vitest';
import { KnownText } from './known-text.js';
import { PositionMemo, clip, collapseSpaces, contentWords, coverage, jaccard, sharedCount, stem, unionOf, wordSet, type WordSet } from './text.js';

/** contentWords as first written: the Unicode word regex over the whole text (the ASCII scanner must agree). */
function reference(text: string, max = 400): Set<string> {
  const out = new Set<string>();
  if (text === '') return out;
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}_'-]*/gu) ?? []) {
    const word = raw.replace(/'/g, '');
    // Stopwords and short words: whatever contentWords drops from a one-word text.
    if (word.length < 3 || contentWords(word).size === 0) continue;
    out.add(stem(word));
    if (out.size >= max) break;
  }
  return out;
}

const TEXTS = [
  "I'd like to CANCEL reservation HAT-136_x and re-book: flights' prices $1,250.00 (two bags).",
  "don't won't can't isn't -leading-hyphen _under_score 'quoted' rock'n'roll e-mail",
  'Zürich → São Paulo, naïve café; Ελληνικά Ωμέγα; 東京 2024年5月20日 flights',
  'KELVIN sign \u212A and dotted \u0130stanbul: lowercase turns them into other letters',
  'Don\u2019t \u201cbook\u201d it\u2014cancel\u2026 \u2022 \u00a0£200 \u20ac3\u00b7x caf\u00e9\u2019s',
  '\u2018quoted\u2019 words\u2013with dashes\u2122 and\u00a0spaces, 30\u00b0 \u2192 next',
  'tabs\tand\nnewlines\r\n  and   spaces, 123abc 4-5 0x1F a1_b2',
  '',
  '!!! ??? ...',
  Array.from({ length: 600 }, (_, i) => `word${i}`).join(' '),
];

describe('contentWords', () => {
  it('gives what the Unicode word regex gives, ASCII or not, capped alike', () => {
    for (const text of TEXTS) {
      expect([...contentWords(text)]).toEqual([...reference(text)]);
      expect([...contentWords(text, 5)]).toEqual([...reference(text, 5)]);
    }
    expect(contentWords(TEXTS[0]!)).toEqual(new Set(['cancel', 'reservation', 'hat-136_x', 're-book', 'flight', 'price', '250', 'bag']));
  });
});

describe('word sets', () => {
  // Set operations as first written, on Sets of words.
  const shared = (a: WordSet, sets: WordSet[]) => {
    const union = new Set(sets.flatMap((set) => set.words));
    return a.words.filter((word) => union.has(word)).length;
  };
  const check = (sets: WordSet[]) => {
    for (const a of sets) {
      for (const b of sets) {
        const hit = shared(a, [b]);
        expect(coverage(a, b)).toBe(a.size === 0 ? 0 : hit / a.size);
        expect(jaccard(a, b)).toBe(a.size === 0 && b.size === 0 ? 0 : hit / (a.size + b.size - hit));
        expect(sharedCount(a, [b, ...sets])).toBe(shared(a, [b, ...sets]));
      }
    }
    expect(unionOf(sets).words).toEqual([...new Set(sets.flatMap((set) => set.words))]);
  };
  const texts = [...TEXTS, 'Cancel my flights and book the cheaper flight', 'the flight was cancelled, please rebook', 'Zürich flights cancelled'];

  it('numbered sets compare as their words do', () => {
    const sets = texts.map((text) => wordSet(text));
    for (const [i, set] of sets.entries()) {
      expect(set.words).toEqual([...reference(texts[i]!)]);
      expect(set.size).toBe(set.words.length);
    }
    check(sets);
    expect(coverage(sets.at(-3)!, sets.at(-2)!)).toBeGreaterThan(0);
  });

  it('sets of different epochs (the tables cleared in between, even mid-text) compare by their words', () => {
    const before = texts.map((text) => wordSet(text));
    // More distinct words than the tables keep: they are cleared while this text is read.
    const flood = Array.from({ length: 70_000 }, (_, i) => `w${i.toString(36)}x`).join(' ');
    const big = wordSet(`${texts.at(-3)} ${flood}`, 100_000);
    expect(big.epoch).toBe(-1);
    expect(big.size).toBe(70_000 + wordSet(texts.at(-3)!).size);
    const after = texts.map((text) => wordSet(text));
    expect(after[0]!.epoch).not.toBe(before[0]!.epoch);
    check([...before, ...after]);
    const small = before.at(-3)!;
    expect(sharedCount(small, [big])).toBe(small.size);
    expect(sharedCount(big, [small, after.at(-2)!])).toBe(shared(big, [small, after.at(-2)!]));
    expect(coverage(big, small)).toBe(small.size / big.size);
    expect(jaccard(before.at(-3)!, after.at(-3)!)).toBe(1);
  });

  it('PositionMemo serves a slot only to the text it was computed from', () => {
    let computed = 0;
    const memo = new PositionMemo<number>(4, (text) => {
      computed++;
      return text.length;
    });
    expect([memo.get(0, 'ab'), memo.get(0, 'ab'), memo.get(0, 'abc'), memo.get(9, 'abcd'), memo.get(9, 'abcd')]).toEqual([2, 2, 3, 4, 4]);
    expect(computed).toBe(4);
  });
});

describe('KnownText', () => {
  it('finds what the joined text contains, across parts only through the newline', () => {
    const known = new KnownText('system prompt: fares from $100');
    known.add('{"total": 305}');
    known.add('');
    expect(known.includes('305')).toBe(true);
    expect(known.includes('$100')).toBe(true);
    expect(known.includes('100\n{')).toBe(true);
    expect(known.includes('305}\n')).toBe(true);
    expect(known.includes('1003')).toBe(false);
    expect(known.includes('')).toBe(true);
  });

  it('lowercase: searches the lowercase of what was added, as if added lowercased', () => {
    const parts = ['User ID MIA_Li_3668', 'Reservation ZFA04Y on 2024-05-20', '{"Total": "$1,250.00"}', 'İstanbul K\u212Aelvin'];
    const needles = ['mia_li_3668', 'MIA_Li_3668', 'zfa04y', '2024-05-20', '"total"', '$1,250.00', 'i\u0307stanbul', 'kkelvin', 'zfa04y on', '3668\nreservation', 'nothing'];
    const lazy = new KnownText('system: fares from $100', undefined, true);
    const eager = new KnownText('system: fares from $100');
    for (const part of parts) {
      lazy.add(part);
      eager.add(part.toLowerCase());
    }
    for (const needle of needles) expect(lazy.includes(needle)).toBe(eager.includes(needle));
    expect(needles.filter((needle) => lazy.includes(needle))).toHaveLength(9);
  });
});

describe('collapseSpaces and clip', () => {
  const spaces = [' ', '  ', '\t', '\n', '\r\n', '\v', '\f', '\u00a0', '\u1680', '\u2003', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u0085', '\u200b'];
  const words = ['a', 'Flight', 'é', '😀', '$305', ''];
  /** Every text of up to 5 pieces from these spaces and words, in a fixed pseudo-random order. */
  function* texts(): Generator<string> {
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % n;
    for (let i = 0; i < 5_000; i++) {
      let text = '';
      for (let k = next(6); k > 0; k--) text += next(2) ? spaces[next(spaces.length)]! : words[next(words.length)]!;
      yield text;
    }
  }

  it('collapse whitespace runs exactly as replace(/\\s+/g, " ") does', () => {
    for (const text of texts()) expect(collapseSpaces(text)).toBe(text.replace(/\s+/g, ' '));
  });

  it('clip long and short texts as the whole-text collapse and trim do', () => {
    const reference = (text: string, max: number) => {
      const flat = text.replace(/\s+/g, ' ').trim();
      return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
    };
    const all = [...texts()];
    for (let i = 0; i + 40 < all.length; i += 7) {
      const text = all.slice(i, i + 40).join(i % 3 ? ' ' : '\n \t');
      for (const max of [5, 20, 60]) expect(clip(text, max)).toBe(reference(text, max));
    }
    expect(clip(`${' '.repeat(500)}short`, 20)).toBe('short');
    expect(clip(`${'x'.repeat(30)}${' \n'.repeat(300)}`, 20)).toBe(`${'x'.repeat(19)}…`);
  });
});
