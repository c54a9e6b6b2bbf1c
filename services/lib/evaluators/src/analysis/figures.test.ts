import { describe, expect, it } from 'vitest';
import { FIGURE, figuresIn } from './figures.js';

/** The figures as first written: FIGURE's matches, cleaned with replace. */
function reference(text: string): Array<{ digits: string; bare: string; said: string }> {
  const out: Array<{ digits: string; bare: string; said: string }> = [];
  for (const match of text.matchAll(FIGURE)) {
    const digits = match[0].replace(/[$€£,\s]/g, '');
    if (digits.replace(/\D/g, '').length < 2) continue;
    out.push({ digits, bare: digits.replace(/\.0+$/, ''), said: match[0].trim() });
  }
  return out;
}

describe('figuresIn', () => {
  it('finds what the figure regex finds', () => {
    const texts = [
      'The total is $1,250.00 for 2 bags; refund €300, £ 45.50 and 12.5% off; flight HAT136 on 2024-05-20 at 10:30.',
      'Prices: $ $5, $\n99, \u00a0 77, 1.2.3, 1,,2, 12., .50, 0.00, 100.000, 3 000 000, $$12, 7',
    ];
    const alphabet = ['1', '0', '5', '.', ',', '$', '€', '£', ' ', '\n', '\u00a0', 'a', '-', '\u2028'];
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) texts.push(Array.from({ length: random(24) }, () => alphabet[random(alphabet.length)]).join(''));
    let found = 0;
    for (const text of texts) {
      const figures = figuresIn(text);
      expect(figures).toEqual(reference(text));
      found += figures.length;
    }
    expect(found).toBeGreaterThan(1000);
    expect(figuresIn(texts[0]!).map((f) => f.said)).toEqual(['$1,250.00', '€300,', '£ 45.50', '12.5', '136', '2024', '05', '20', '10', '30']);
    expect(figuresIn('$1,250.00')).toEqual([{ digits: '1250.00', bare: '1250', said: '$1,250.00' }]);
  });
});
