import { describe, expect, it } from 'vitest';
import { KnownText } from './known-text.js';
import { clip, collapseSpaces, contentWords, stem } from './text.js';

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
