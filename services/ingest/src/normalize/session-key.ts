// DESIGN.md "Session key": span `session.id`, span `gen_ai.conversation.id`, resource
// `session.id`, else the trace id. Values are read after redaction, so a hashed session.id
// still groups a session (the same salted hash on every span) without exposing the raw id.
import { SessionKeySource } from '@tracebar/proto';
import type { AttributeSink } from './attribute-sink.js';

export interface SessionKey {
  key: string;
  source: SessionKeySource;
}

/** A string attribute, or an integer one in decimal; empty text counts as absent. */
function keyText(attributes: AttributeSink, name: string): string | undefined {
  const text = attributes.stringValues?.[name];
  if (text !== undefined) return text === '' ? undefined : text;
  const int = attributes.intValues?.[name];
  return int === undefined ? undefined : int.toString();
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
  const flag = span.boolValues?.['tracebar.session.end'];
  if (flag !== undefined) return flag;
  return span.stringValues?.['tracebar.session.end']?.toLowerCase() === 'true';
}
