import { describe, expect, it } from 'vitest';
import { NESTED, topLevelMembers } from './json-members.js';

/** What JSON.parse gives for a key, in topLevelMembers' terms. */
function parsed(text: string, key: string) {
  const top = JSON.parse(text) as Record<string, unknown>;
  if (!Object.hasOwn(top, key)) return undefined;
  const value = top[key];
  return typeof value === 'string' || typeof value === 'number' ? value : NESTED;
}

describe('topLevelMembers', () => {
  it('reads the values JSON.parse gives to top-level keys, nested values skipped', () => {
    const values = [
      { user_id: 'mia_li_3668', total: 305, nested: { user_id: 'other', total: 1 }, list: [{ total: 2 }, '}', ']', '"'], ok: true, none: null },
      { reservation_id: 'ZFA04Y', price: -12.5e2, flights: [[1, 2], { a: '{' }], empty: {}, zero: 0, small: 1e-7 },
      {},
    ];
    const texts = values.flatMap((v) => [JSON.stringify(v), JSON.stringify(v, null, 2), JSON.stringify(v, null, '\t')]);
    // An escaped string is skipped when its key is not wanted.
    texts.push('{ "a" : "1" , "a" : 2 }', '{"a":"x","skip":"y\\"z","c":3}\n');
    for (const text of texts) {
      const keys = new Set(Object.keys(JSON.parse(text) as object).concat(['absent', 'a', 'c']).filter((key) => key !== 'skip'));
      const members = topLevelMembers(text, keys);
      expect(members).toBeDefined();
      for (const key of keys) expect(members!.get(key)).toEqual(parsed(text, key));
    }
  });

  it('says it cannot tell for escapes in wanted values, arrays and invalid JSON', () => {
    expect(topLevelMembers('{"a":"y\\"z"}', new Set(['a']))).toBeUndefined();
    expect(topLevelMembers('{"a\\u0062":1}', new Set(['ab']))).toBeUndefined();
    expect(topLevelMembers('[{"a":1}]', new Set(['a']))).toBeUndefined();
    expect(topLevelMembers('{"a":1,}', new Set(['a']))).toBeUndefined();
    expect(topLevelMembers('{"a":01}', new Set(['a']))).toBeUndefined();
    expect(topLevelMembers('{"a":1} x', new Set(['a']))).toBeUndefined();
    expect(topLevelMembers('{"a":{"b":1}', new Set(['a']))).toBeUndefined();
  });
});
