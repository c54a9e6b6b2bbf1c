// DESIGN.md "Session key": span `session.id`, span `gen_ai.conversation.id`, resource
// `session.id`, else the trace id. Values are read after redaction, so a hashed session.id
// still groups a session (the same salted hash on every span) without exposing the raw id.
import { SessionKeySource } from '@tracebar/proto';
import { BOOL, INT, STRING } from '../encode/attribute-list.js';
import type { Long } from '../decode/otlp-json-values.js';
import type { AttributeSink } from './attribute-sink.js';

export interface SessionKey {
  key: string;
  source: SessionKeySource;
}

/** A string attribute, or an integer one in decimal; empty text counts as absent. */
function keyText(attributes: AttributeSink, name: string): string | undefined {
  const position = attributes.positionOf(name);
  if (position < 0) return undefined;
  const kind = attributes.kinds[position];
  if (kind === STRING) return (attributes.values[position] as string) || undefined;
  return kind === INT ? (attributes.values[position] as Long | number).toString() : undefined;
}

export function sessionKeyOf(span: AttributeSink, resource: AttributeSink, traceIdHex: string): SessionKey {
  const spanSession = keyText(span, 'session.id');
  if (spanSession !== undefined) return { key: spanSession, source: SessionKeySource.SESSION_KEY_SOURCE_SPAN_SESSION_ID };
  const conversation = keyText(span, 'gen_ai.conversation.id');
  if (conversation !== undefined) return { key: conversation, source: SessionKeySource.SESSION_KEY_SOURCE_SPAN_CONVERSATION_ID };
  const resourceSession = keyText(resource, 'session.id');
  if (resourceSession !== undefined) return { key: resourceSession, source: SessionKeySource.SESSION_KEY_SOURCE_RESOURCE_SESSION_ID };
  return { key: traceIdHex, source: SessionKeySource.SESSION_KEY_SOURCE_TRACE_ID };
}

/** The explicit end marker: span attribute `tracebar.session.end` = true (bool, or the text "true"). */
export function isSessionEnd(span: AttributeSink): boolean {
  const key = 'tracebar.session.end';
  const flag = span.valueOf(key, BOOL);
  if (flag !== undefined) return flag;
  return span.valueOf(key, STRING)?.toLowerCase() === 'true';
}
