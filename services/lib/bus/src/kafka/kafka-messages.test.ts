// prepareMessages against the shared helpers it stands in for: checkMessages, partitionFor,
// recordBytes and messageBytes must give the same answers, headers frozen or not.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, MessageTooLargeError } from '../errors.js';
import { messageBytes, recordBytes, totalBytes } from '../message-size.js';
import { keyBytes, partitionFor } from '../partitioner.js';
import { checkMessages } from '../publish-checks.js';
import type { OutgoingMessage } from '../types.js';
import { prepareMessages } from './kafka-messages.js';

const frozen = Object.freeze({ 'tracebar-schema': Buffer.from('tracebar.v1.SpanRecord'), 'content-type': 'application/x-protobuf' });

const messages: OutgoingMessage[] = [
  { key: 'default/conv-1', value: Buffer.from('a') },
  { key: 'tenant/sessión-ü', value: Buffer.alloc(300, 1), headers: frozen },
  { key: Buffer.from([0, 1, 2]), value: Buffer.alloc(0), headers: { tenant: 't1', raw: Buffer.from([9, 8]) } },
  { key: '', value: Buffer.from('b'), headers: {} },
  { key: 'default/conv-2', value: Buffer.from('c'), headers: frozen },
];

describe('prepareMessages', () => {
  it('computes what checkMessages, partitionFor, recordBytes and messageBytes do', () => {
    for (const partitions of [1, 12, 7]) {
      const prepared = prepareMessages('t', messages, partitions, 1_048_576);
      expect(prepared.partitions).toEqual(messages.map((m) => partitionFor(m.key, partitions)));
      expect(prepared.recordSizes).toEqual(messages.map(recordBytes));
      expect(prepared.keys).toEqual(messages.map((m) => keyBytes(m.key)));
      expect(prepared.totalBytes).toBe(totalBytes(messages));
      expect(prepared.totalBytes).toBe(messages.reduce((sum, m) => sum + messageBytes(m), 0));
      expect(prepared.headers.map((h) => (h ? [...h].map(([name, value]) => [name.toString(), value.toString('hex')]) : undefined))).toEqual(
        messages.map((m) => (m.headers ? Object.entries(m.headers).map(([name, value]) => [name, keyBytes(value).toString('hex')]) : undefined)),
      );
    }
  });

  it('builds the produce headers of a frozen headers object once', () => {
    const prepared = prepareMessages('t', messages, 3, 1_048_576);
    expect(prepared.headers[1]).toBe(prepared.headers[4]);
    expect(prepareMessages('t', messages, 3, 1_048_576).headers[1]).toBe(prepared.headers[1]);
  });

  it('refuses what checkMessages refuses, with the same error', () => {
    const limit = recordBytes(messages[1] as OutgoingMessage) + 60;
    const caught = (run: () => unknown): unknown => {
      try {
        run();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const expected = caught(() => checkMessages('t', messages, limit));
    const actual = caught(() => prepareMessages('t', messages, 3, limit));
    expect(actual).toBeInstanceOf(MessageTooLargeError);
    expect(actual).toEqual(expected);
    expect((actual as MessageTooLargeError).indexes).toEqual([1]);

    const bad = [...messages, { key: 'k', value: 'not a buffer' as unknown as Buffer }];
    const invalid = caught(() => prepareMessages('t', bad, 3, limit));
    expect(invalid).toBeInstanceOf(InvalidArgumentError);
    expect(invalid).toEqual(caught(() => checkMessages('t', bad, limit)));
  });
});
