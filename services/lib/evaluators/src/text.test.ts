import { describe, expect, it } from 'vitest';
import { KnownText } from './known-text.js';
import { contentWords, stem } from './text.js';

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
