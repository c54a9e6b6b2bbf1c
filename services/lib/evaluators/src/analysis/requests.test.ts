import { describe, expect, it } from 'vitest';
import { CORRECTION, FRUSTRATION, HUMAN, USER_REACTION, familyOfWord, requestedFamilies } from './requests.js';

// Every verb, and words that are not (NOT_IN_TEXT ones among them).
const FAMILY_WORDS = 'change modify update edit switch move reschedule rebook alter amend adjust set cancel delete remove void terminate drop revoke unsubscribe book reserve purchase buy order place create add make open register subscribe schedule refund reimburse compensate compensation credit voucher certificate send email mail notify share forward post publish pay charge bill payment upgrade downgrade return';

/** requestedFamilies as first written: every [a-z]+ match looked up. */
function reference(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    const family = familyOfWord(word);
    if (family) out.add(family);
  }
  return out;
}

describe('requestedFamilies', () => {
  it('finds the families the word-by-word lookup finds, in the same order', () => {
    const words = FAMILY_WORDS.split(' ').flatMap((verb) => [verb, `${verb}s`, `${verb}ed`, `${verb}ing`, `${verb.replace(/e$/, '')}ing`, `${verb.replace(/e$/, '')}ed`, verb.toUpperCase(), `re${verb}`]);
    const texts = [
      ...words,
      words.join(' '),
      words.reverse().join(', '),
      "I'd like to CANCEL my booking and get a refund; can you change the date? Also e-mail me.",
      'Stornieren Sie bitte — naïve cancel·ling, café-booking 2x upgrades!',
      'a i ad ed s ing es adds paid',
    ];
    for (const text of texts) expect([...requestedFamilies(text)]).toEqual([...reference(text)]);
    expect([...requestedFamilies('Please cancel it and book a new one, then refund me.')]).toEqual(['cancel', 'create', 'refund']);
  });
});

describe('USER_REACTION', () => {
  it('matches exactly when one of CORRECTION, HUMAN, FRUSTRATION does', () => {
    for (const re of [CORRECTION, HUMAN, FRUSTRATION]) {
      expect(re.flags).toBe('i');
      expect(new RegExp(`${re.source}|`).exec('')!.length).toBe(1); // no capturing group
    }
    const texts = [
      "No, that's not what I asked for.", 'I said Tuesday', 'you didnt listen', 'Why did you cancel it?', 'I never said that',
      'Can I speak to a human please', 'put me through to your manager', 'transfer me with someone else', 'a real person', 'HUMAN AGENT',
      'This is ridiculous', 'so frustrating', 'what a waste of my time', 'unhelpful!', 'This is absurd',
      'Please book the flight for Tuesday.', 'I want to change my reservation', 'thanks, that is all', 'humans agents', 'speak to the humane society', '',
    ];
    let matched = 0;
    for (const text of texts) {
      const any = CORRECTION.test(text) || HUMAN.test(text) || FRUSTRATION.test(text);
      expect(USER_REACTION.test(text)).toBe(any);
      if (any) matched++;
    }
    expect(matched).toBe(15);
  });
});
