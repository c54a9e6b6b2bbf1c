// Value masks: the built-in patterns (email, card, ipv4, bearer) and custom regexes from config,
// each compiled once. Built-ins anchor their first character with a lookbehind so that a scan
// stays linear on long text without a match (a plain `[\w.]+@` is quadratic on a long word).
import type { IngestConfig } from '@tracebar/config';

/** Replaces what one pattern finds in a string; returns the input when nothing matched. */
export type Mask = (value: string) => string;

export type MaskPatternConfig = IngestConfig['redaction']['maskPatterns'][number];

const emailRe = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}/g;

// 13-19 digits, single spaces or dashes allowed between them after the first four. The first
// digit is 2-6 (the major card networks), which keeps nanosecond timestamps (19 digits starting
// with 1) out. The lookbehind comes after the first four digits so that V8 can skip ahead to a
// digit run instead of trying the pattern at every position.
const cardRe = /[2-6][0-9]{3}(?<![0-9][2-6][0-9]{3})(?:[ -]?[0-9]){9,15}(?![0-9])/g;

const octet = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const ipv4Re = new RegExp(`(?<![0-9.])${octet}(?:\\.${octet}){3}(?!\\.?[0-9])`, 'g');

// RFC 6750 b64token of at least 16 characters, so prose such as "the bearer of the letter" stays.
const bearerRe = /\b(?:Bearer|bearer|BEARER)\s+[A-Za-z0-9\-._~+/]{16,}=*/g;

/** Luhn checksum over the digits of `text` (separators ignored). */
export function luhnValid(text: string): boolean {
  let sum = 0;
  let double = false;
  let digits = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) continue;
    let digit = code - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
    digits++;
  }
  return digits >= 13 && sum % 10 === 0;
}

/**
 * A card number, or a card number followed by more digit groups (`4111 1111 1111 1111 2`): the
 * whole run, else its longest Luhn-valid prefix that ends at a group separator.
 */
function maskCard(match: string): string {
  if (luhnValid(match)) return '[card]';
  for (let end = match.length - 1; end > 13; end--) {
    const code = match.charCodeAt(end);
    if ((code === 32 || code === 45) && luhnValid(match.slice(0, end))) return `[card]${match.slice(end)}`;
  }
  return match;
}

const builtInMasks: Readonly<Record<'email' | 'card' | 'ipv4' | 'bearer', Mask>> = {
  // A one-character includes() is a memchr; it skips the scan of text that cannot match.
  email: (value) => (value.includes('@') ? value.replace(emailRe, '[email]') : value),
  card: (value) => value.replace(cardRe, maskCard),
  ipv4: (value) => (value.includes('.') ? value.replace(ipv4Re, '[ipv4]') : value),
  bearer: (value) => value.replace(bearerRe, 'Bearer [redacted]'),
};

export function compileMask(pattern: MaskPatternConfig): Mask {
  if (typeof pattern === 'string') return builtInMasks[pattern];
  const regex = new RegExp(pattern.regex, 'g');
  const replacement = pattern.replacement;
  return (value) => value.replace(regex, replacement);
}
