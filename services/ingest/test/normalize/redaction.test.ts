// Redaction before anything leaves ingest: dropped keys, salted hashes, masked values, in span,
// resource and event attributes and in the GenAI fields lifted from them.
import { createHash } from 'node:crypto';
import { toLong } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { keyValues, normalize, normalizeSpan, records, request, span, type IngestOverrides } from './support.js';

const sha = (salt: string, value: string): string => createHash('sha256').update(salt + value).digest('hex');

describe('redaction', () => {
  it('drops keys matching dropKeys, globs included, and counts them', () => {
    const result = normalize(request([span({ attrs: { 'user.email': 'a@b.co', 'http.request.header.authorization': 'x', 'http.request.header.accept': 'json', keep: 'yes' } })]), {
      redaction: { dropKeys: ['user.email', 'http.request.header.*'] },
    });
    const [record] = records(result);
    expect(record?.attributes?.stringValues).toEqual({ keep: 'yes' });
    expect(record?.redactedValueCount).toBe(3);
    expect(result.counts.redactedValues).toBe(3);
    expect(result.warnings).toEqual([]);
  });

  it('drops flattened keys under a nested value by glob, and a whole nested value by its own key', () => {
    const record = normalizeSpan(
      span({
        attrs: {
          'llm.input_messages.0.message.role': 'user',
          'llm.input_messages.0.message.content': 'secret question',
          'openinference.span.kind': 'LLM',
          request: { headers: { cookie: 'c', accept: 'json' } },
          credentials: { user: 'u', password: 'p' },
        },
      }),
      { overrides: { redaction: { dropKeys: ['llm.input_messages.*.message.content', 'request.headers.cookie', 'credentials'] } } },
    );
    expect(record.attributes?.stringValues).toEqual({ 'llm.input_messages.0.message.role': 'user', 'openinference.span.kind': 'LLM', 'request.headers.accept': 'json' });
    expect(record.genAi?.inputMessages).toEqual([]);
    expect(record.redactedValueCount).toBe(3);
  });

  it('replaces hashKeys values with a salted SHA-256, for every value type', () => {
    const record = normalizeSpan(span({ attrs: { 'user.id': 'user-42', 'user.number': 7, 'user.tags': ['a'], other: 'kept' } }), {
      overrides: { redaction: { hashKeys: ['user.*'], hashSalt: 'pepper' } },
    });
    expect(record.attributes?.stringValues).toEqual({ 'user.id': sha('pepper', 'user-42'), 'user.number': sha('pepper', '7'), 'user.tags.0': sha('pepper', 'a'), other: 'kept' });
    expect(record.attributes?.intValues).toEqual({});
    expect(record.redactedValueCount).toBe(3);
  });

  it('lets drop win when a key matches both lists', () => {
    const record = normalizeSpan(span({ attrs: { 'user.id': 'u' } }), { overrides: { redaction: { dropKeys: ['user.id'], hashKeys: ['user.id'] } } });
    expect(record.attributes).toBeNull();
  });

  it('keys the session by the hashed session.id, so a session still groups', () => {
    const overrides: IngestOverrides = { redaction: { hashKeys: ['session.id'], hashSalt: 's' } };
    const record = normalizeSpan(span({ attrs: { 'session.id': 'raw-session' } }), { overrides });
    expect(record.sessionKey).toBe(sha('s', 'raw-session'));
    expect(JSON.stringify(record.toJSON())).not.toContain('raw-session');
  });

  it('masks patterns in span, resource and event attributes and in GenAI text, counting each value once', () => {
    const messages = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'mail jane@example.com, card 4111 1111 1111 1111' }] }]);
    const result = normalize(
      request(
        [
          span({
            attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': messages, 'input.value': 'from 10.1.2.3', note: 'nothing here' },
            events: [{ timeUnixNano: toLong(1n), name: 'gen_ai.choice', attributes: keyValues({ 'message.content': 'sent to jane@example.com', finish_reason: 'stop' }) }],
          }),
        ],
        keyValues({ 'service.name': 'svc', 'host.ip': '192.168.0.9' }),
      ),
      { redaction: { maskPatterns: ['email', 'card', 'ipv4'] } },
    );
    const [record] = records(result);
    const text = JSON.stringify(record?.toJSON());
    expect(text).not.toMatch(/jane@example\.com|4111 1111|10\.1\.2\.3|192\.168\.0\.9/);
    expect(record?.attributes?.stringValues?.['input.value']).toBe('from [ipv4]');
    expect(record?.attributes?.stringValues?.note).toBe('nothing here');
    expect(record?.resourceAttributes?.stringValues?.['host.ip']).toBe('[ipv4]');
    expect(record?.events[0]?.attributes?.stringValues?.['message.content']).toBe('sent to [email]');
    expect(record?.genAi?.inputMessages?.[0]?.content).toBe('mail [email], card [card]');
    expect(record?.genAi?.inputValue).toBe('from [ipv4]');
    expect(record?.genAi?.outputMessages?.[0]?.content).toBe('sent to [email]');
    // gen_ai.input.messages, input.value and the event value on the span; host.ip on the resource.
    expect(record?.redactedValueCount).toBe(3);
    expect(result.counts.redactedValues).toBe(4);
  });

  it('applies a custom replacement once to GenAI text taken from JSON', () => {
    const messages = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'my secret' }] }]);
    const record = normalizeSpan(span({ attrs: { 'gen_ai.input.messages': messages } }), {
      overrides: { redaction: { maskPatterns: [{ name: 'secret', regex: 'secret', replacement: 'secret-redacted' }] } },
    });
    expect(record.genAi?.inputMessages?.[0]?.content).toBe('my secret-redacted');
    expect(record.attributes?.stringValues?.['gen_ai.input.messages']).toContain('my secret-redacted');
  });

  it('takes no GenAI messages from a dropped or hashed messages attribute', () => {
    const messages = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'private' }] }]);
    for (const rule of [{ dropKeys: ['gen_ai.input.messages'] }, { hashKeys: ['gen_ai.*.messages'] }]) {
      const record = normalizeSpan(span({ attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': messages } }), { overrides: { redaction: rule } });
      expect(record.genAi?.inputMessages).toEqual([]);
      expect(JSON.stringify(record.toJSON())).not.toContain('private');
    }
  });
});
