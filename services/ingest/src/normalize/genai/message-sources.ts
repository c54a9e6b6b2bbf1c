// Where chat messages come from, in order of preference: structured or JSON-text attributes of
// the OTel GenAI conventions, flattened OpenInference / OpenLLMetry attributes, then span events
// of the older OTel conventions.
import type { IAnyValue, IGenAiMessage, IKeyValue } from '@tracebar/proto';
import type { AttributeSink } from '../attribute-sink.js';
import { KEEP, type Redaction } from '../redaction.js';
import { keepText, toChatMessages, type CleanText } from './chat-messages.js';
import { parseJsonText, unflatten } from './js-values.js';

/** Span attributes whose original value the GenAI fields may need (JSON text or structured). */
export type SourceKey =
  | 'gen_ai.input.messages'
  | 'gen_ai.output.messages'
  | 'gen_ai.system_instructions'
  | 'gen_ai.tool.call.arguments'
  | 'gen_ai.tool.call.result'
  | 'gen_ai.prompt'
  | 'gen_ai.completion';
export type Originals = Partial<Record<SourceKey, IAnyValue>>;

/** Whether `key` is one of the source keys whose original value is kept (attribute-flattener records them). */
export function isSourceKey(key: string): key is SourceKey {
  switch (key) {
    case 'gen_ai.input.messages':
    case 'gen_ai.output.messages':
    case 'gen_ai.system_instructions':
    case 'gen_ai.tool.call.arguments':
    case 'gen_ai.tool.call.result':
    case 'gen_ai.prompt':
    case 'gen_ai.completion':
      return true;
    default:
      return false;
  }
}

/** A JSON-bearing value as JavaScript, with the text cleaner to apply to what is taken from it. */
export interface StructuredValue {
  value: unknown;
  clean: CleanText;
}

/**
 * A JSON-valued attribute as JavaScript. JSON text is parsed from the original value (a masked
 * or truncated copy may no longer parse) and cleaned field by field later; a structured value is
 * read back from its flattened, already-cleaned leaves, so per-leaf key rules hold. Text that is
 * not JSON comes back as text.
 */
export function structuredValue(original: IAnyValue | undefined, attributes: AttributeSink, key: string, clean: CleanText): StructuredValue | undefined {
  if (original === undefined) return undefined;
  if (original.stringValue != null) {
    const parsed = parseJsonText(original.stringValue);
    return { value: parsed === undefined ? original.stringValue : parsed, clean };
  }
  const value = unflatten(attributes, `${key}.`);
  return value === undefined ? undefined : { value, clean: keepText };
}

function messagesOf(source: StructuredValue | undefined, role: string): IGenAiMessage[] {
  return source === undefined ? [] : toChatMessages(source.value, role, source.clean);
}

/** Flattened messages (`llm.input_messages.0.message.role`...) from already-cleaned attributes. */
function flattenedMessages(attributes: AttributeSink, prefix: string, role: string): IGenAiMessage[] {
  const value = unflatten(attributes, prefix);
  return value === undefined ? [] : toChatMessages(value, role, keepText);
}

export interface EventOrigin {
  readonly name: string;
  readonly keyValues: readonly IKeyValue[] | null | undefined;
  readonly attributes: AttributeSink;
}

function eventOriginal(event: EventOrigin, key: string, redaction: Redaction): IAnyValue | undefined {
  if (event.keyValues == null) return undefined;
  for (const keyValue of event.keyValues) {
    if (keyValue.key !== key) continue;
    if (redaction.hasKeyRules && redaction.keyAction(key) !== KEEP) return undefined;
    return keyValue.value ?? undefined;
  }
  return undefined;
}

function eventStructured(event: EventOrigin, key: string, redaction: Redaction, clean: CleanText): StructuredValue | undefined {
  return structuredValue(eventOriginal(event, key, redaction), event.attributes, key, clean);
}

const inputEventRoles: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
});

/** Messages of one direction from span events (semantic conventions up to v1.36, and the details event). */
function eventMessages(events: readonly EventOrigin[], output: boolean, redaction: Redaction, clean: CleanText): IGenAiMessage[] {
  const out: IGenAiMessage[] = [];
  for (const event of events) {
    const name = event.name;
    if (!name.startsWith('gen_ai.')) continue;
    const role = output ? (name === 'gen_ai.choice' ? 'assistant' : undefined) : inputEventRoles[name];
    if (role !== undefined) {
      // Some instrumentations put the whole event body in one JSON attribute; most flatten it.
      const body = eventStructured(event, 'gen_ai.event.content', redaction, clean);
      out.push(...toChatMessages(body?.value ?? unflatten(event.attributes, ''), role, body?.clean ?? keepText));
    } else if (name === (output ? 'gen_ai.content.completion' : 'gen_ai.content.prompt')) {
      const key = output ? 'gen_ai.completion' : 'gen_ai.prompt';
      out.push(...messagesOf(eventStructured(event, key, redaction, clean), output ? 'assistant' : 'user'));
    } else if (name === 'gen_ai.client.inference.operation.details') {
      const key = output ? 'gen_ai.output.messages' : 'gen_ai.input.messages';
      out.push(...messagesOf(eventStructured(event, key, redaction, clean), output ? 'assistant' : 'user'));
    }
  }
  return out;
}

export interface MessageSourceContext {
  readonly attributes: AttributeSink;
  readonly originals: Originals;
  readonly events: readonly EventOrigin[];
  readonly redaction: Redaction;
  readonly clean: CleanText;
  /** Some span attribute key starts with `llm.` (OpenInference). */
  readonly openInference: boolean;
  /** Some span attribute key starts with `gen_ai.prompt.` or `gen_ai.completion.` (OpenLLMetry). */
  readonly indexedGenAi: boolean;
  /** Some event name starts with `gen_ai.`. */
  readonly genAiEvents: boolean;
}

function direction(context: MessageSourceContext, output: boolean): IGenAiMessage[] {
  const { attributes, originals, clean } = context;
  const role = output ? 'assistant' : 'user';
  const key = output ? 'gen_ai.output.messages' : 'gen_ai.input.messages';
  let messages = messagesOf(structuredValue(originals[key], attributes, key, clean), role);
  if (messages.length === 0 && context.openInference) {
    messages = flattenedMessages(attributes, output ? 'llm.output_messages.' : 'llm.input_messages.', role);
  }
  if (messages.length === 0 && context.indexedGenAi) {
    messages = flattenedMessages(attributes, output ? 'gen_ai.completion.' : 'gen_ai.prompt.', role);
  }
  if (messages.length === 0) {
    const legacy = output ? 'gen_ai.completion' : 'gen_ai.prompt';
    messages = messagesOf(structuredValue(originals[legacy], attributes, legacy, clean), role);
  }
  if (messages.length === 0 && context.genAiEvents) messages = eventMessages(context.events, output, context.redaction, clean);
  return messages;
}

/** Input messages: the first source that yields any. */
export function inputMessages(context: MessageSourceContext): IGenAiMessage[] {
  return direction(context, false);
}

/** Output messages: the first source that yields any. */
export function outputMessages(context: MessageSourceContext): IGenAiMessage[] {
  return direction(context, true);
}
