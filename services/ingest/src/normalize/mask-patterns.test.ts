import { describe, expect, it } from 'vitest';
import { compileMask, luhnValid } from './mask-patterns.js';

describe('built-in mask patterns', () => {
  const email = compileMask('email');
  const card = compileMask('card');
  const ipv4 = compileMask('ipv4');
  const bearer = compileMask('bearer');

  it('masks e-mail addresses and leaves other @ text alone', () => {
    expect(email('write to Jane.Doe+tag@mail.example.co.uk, or ops@example.com.')).toBe('write to [email], or [email].');
    expect(email('@mention and user@localhost stay')).toBe('@mention and user@localhost stay');
  });

  it('masks Luhn-valid card numbers of 13-19 digits, with spaces or dashes, and nothing else', () => {
    expect(card('visa 4111 1111 1111 1111 ok')).toBe('visa [card] ok');
    expect(card('mc 5500-0000-0000-0004, amex 378282246310005')).toBe('mc [card], amex [card]');
    expect(card('not luhn 4111 1111 1111 1112')).toBe('not luhn 4111 1111 1111 1112');
    expect(card('timestamp 1700000000000000000')).toBe('timestamp 1700000000000000000');
    expect(card('phone +1 555-123-4567')).toBe('phone +1 555-123-4567');
    expect(card('20 digits 41111111111111111111')).toBe('20 digits 41111111111111111111');
    expect(card('card 5500 0000 0000 0004 7 times')).toBe('card [card] 7 times');
    expect(card('ref 4111111111111111')).toBe('ref [card]');
  });

  it('masks IPv4 addresses but not versions or longer dotted numbers', () => {
    expect(ipv4('client 192.168.10.254 via 10.0.0.1:8080')).toBe('client [ipv4] via [ipv4]:8080');
    expect(ipv4('version 1.2.3.4.5 and 256.1.1.1 and 1.2.3')).toBe('version 1.2.3.4.5 and 256.1.1.1 and 1.2.3');
  });

  it('masks bearer tokens of at least 16 characters, keeping the scheme', () => {
    expect(bearer('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.abc-DEF_123==')).toBe('Authorization: Bearer [redacted]');
    expect(bearer('the bearer of this letter')).toBe('the bearer of this letter');
  });

  it('applies a custom regex globally with its replacement', () => {
    const mask = compileMask({ name: 'order', regex: 'A-[0-9]{4}', replacement: '<order>' });
    expect(mask('orders A-2231 and A-9000')).toBe('orders <order> and <order>');
  });

  it('stays linear on long text without a match', () => {
    const text = `${'a'.repeat(2_000_000)}@`;
    const started = performance.now();
    expect(email(text)).toBe(text);
    expect(card('4'.repeat(2_000_000))).toHaveLength(2_000_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('checks the Luhn sum over digits only', () => {
    expect(luhnValid('4111-1111-1111-1111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('0')).toBe(false);
  });
});
