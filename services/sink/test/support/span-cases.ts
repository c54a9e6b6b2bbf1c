// The span records every row test holds the span paths to: all fields, edge values, unknown enum
// numbers and fields, minimal records, and a message given twice (protobuf merge semantics).
import { encodeSpanRecord, type ISpanRecord, type SessionKeySource, type SpanKind, type StatusCode } from '@tracebar/proto';
import { agentSpan, fullSpan, ns } from './messages.js';

export function bytesOf(span: ISpanRecord): Buffer {
  return Buffer.from(encodeSpanRecord(span));
}

/** Two encodings concatenated: scalars last, maps and lists appended. */
export const mergedSpan = Buffer.concat([
  bytesOf(agentSpan({ sessionKey: 'merge', index: 1, model: 'gpt-4o' })),
  bytesOf({ name: 'renamed', attributes: { stringValues: { extra: 'x' } }, genAi: { responseModel: 'gpt-4o-2024', inputMessages: [{ role: 'user', content: 'hi' }] } }),
]);

const withUnknownField = Buffer.concat([bytesOf(agentSpan({ sessionKey: 'unknown', index: 2 })), Buffer.from([0x98, 0x06, 0x2a])]); // field 99 varint 42

export const spanCases: [string, Buffer][] = [
  ['every field set', bytesOf(fullSpan(0))],
  ['a second full span', bytesOf(fullSpan(1, { statusCode: 1, sessionEnd: false }))],
  ['an LLM call', bytesOf(agentSpan({ sessionKey: 's1', index: 0, inputTokens: 1200, outputTokens: 80 }))],
  ['a failing tool call', bytesOf(agentSpan({ sessionKey: 's1', index: 3, tool: 'search_flights', error: true }))],
  // A row whose time is past the table's TTL is dropped at insert: these carry a start time.
  ['only identity fields', bytesOf({ tenant: 't', traceId: 'ab', spanId: 'cd', startTimeUnixNano: ns(0) })],
  ['unknown enum values', bytesOf({ tenant: 't', traceId: 'ab', spanId: 'ce', startTimeUnixNano: ns(0), kind: 9 as SpanKind, statusCode: 7 as StatusCode, sessionKeySource: 12 as SessionKeySource })],
  ['an unknown field', withUnknownField],
];
