// DESIGN.md "Session key" precedence, the Kafka key, and the explicit session end marker.
import { decodeSpanRecord, SessionKeySource } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { keyValues, normalize, request, span, TENANT, TRACE_ID } from './support.js';

function keyed(spanAttrs: Record<string, unknown>, resourceAttrs: Record<string, unknown> = { 'service.name': 'svc' }) {
  const result = normalize(request([span({ attrs: spanAttrs })], keyValues(resourceAttrs)));
  expect(result.spans).toHaveLength(1);
  return result.spans[0];
}

describe('session key', () => {
  const all = { 'session.id': 'span-session', 'gen_ai.conversation.id': 'conversation' };

  it('prefers span session.id, then gen_ai.conversation.id, then resource session.id, then the trace id', () => {
    const cases: [Record<string, unknown>, Record<string, unknown>, string, SessionKeySource][] = [
      [all, { 'session.id': 'resource-session' }, 'span-session', SessionKeySource.SESSION_KEY_SOURCE_SPAN_SESSION_ID],
      [{ 'gen_ai.conversation.id': 'conversation' }, { 'session.id': 'resource-session' }, 'conversation', SessionKeySource.SESSION_KEY_SOURCE_SPAN_CONVERSATION_ID],
      [{}, { 'session.id': 'resource-session' }, 'resource-session', SessionKeySource.SESSION_KEY_SOURCE_RESOURCE_SESSION_ID],
      [{}, {}, TRACE_ID, SessionKeySource.SESSION_KEY_SOURCE_TRACE_ID],
      [{ 'session.id': '' }, {}, TRACE_ID, SessionKeySource.SESSION_KEY_SOURCE_TRACE_ID],
      [{ 'session.id': 1234 }, {}, '1234', SessionKeySource.SESSION_KEY_SOURCE_SPAN_SESSION_ID],
    ];
    for (const [spanAttrs, resourceAttrs, key, source] of cases) {
      const normalized = keyed(spanAttrs, resourceAttrs);
      const record = decodeSpanRecord(normalized?.value ?? new Uint8Array());
      expect(record.sessionKey).toBe(key);
      expect(record.sessionKeySource).toBe(source);
      expect(record.tenant).toBe(TENANT);
      expect(normalized?.key).toBe(`${TENANT}/${key}`);
    }
  });

  it('marks the session end only for tracebar.session.end = true', () => {
    const end = (value: unknown): boolean => decodeSpanRecord(keyed({ 'tracebar.session.end': value })?.value ?? new Uint8Array()).sessionEnd;
    expect(end(true)).toBe(true);
    expect(end('true')).toBe(true);
    expect(end(false)).toBe(false);
    expect(end('yes')).toBe(false);
    expect(decodeSpanRecord(keyed({})?.value ?? new Uint8Array()).sessionEnd).toBe(false);
  });
});
