// SpanRecord.gen_ai: first-class GenAI fields lifted from the span's (already redacted and
// truncated) attributes, OTel GenAI semantic conventions first, then OpenInference, then older
// names. The mapping table is in services/ingest/docs/normalization.md.
import { toLong } from '@tracebar/proto';
import type { IGenAi } from '@tracebar/proto';
import type { Long } from '../../decode/otlp-json-values.js';
import { DOUBLE, INT, STRING } from '../../encode/attribute-list.js';
import { PREFIX_GEN_AI, PREFIX_GEN_AI_INDEXED, PREFIX_LLM, type AttributeSink } from '../attribute-sink.js';
import type { Redaction } from '../redaction.js';
import { instructionText, type CleanText } from './chat-messages.js';
import { jsonText } from './js-values.js';
import { inputMessages, outputMessages, structuredValue, type EventOrigin, type MessageSourceContext, type Originals } from './message-sources.js';

export interface GenAiSpan {
  readonly attributes: AttributeSink;
  readonly events: readonly EventOrigin[];
}

export interface GenAiDeps {
  readonly redaction: Redaction;
  /** Mask and truncate, for text read from original (JSON) values. */
  readonly clean: CleanText;
  /** Truncate only, for text assembled from already-masked values. */
  readonly truncate: CleanText;
}

/** OpenInference span kinds with an OTel `gen_ai.operation.name` equivalent. */
const operationByOpenInferenceKind: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, {
  LLM: 'chat',
  EMBEDDING: 'embeddings',
  TOOL: 'execute_tool',
  AGENT: 'invoke_agent',
  RETRIEVER: 'retrieval',
});

/** Source attributes of each field, in order of preference. */
const SPAN_KIND_SOURCES = ['openinference.span.kind'] as const;
const OPERATION_SOURCES = ['gen_ai.operation.name'] as const;
const PROVIDER_SOURCES = ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system'] as const;
const REQUEST_MODEL_SOURCES = ['gen_ai.request.model', 'llm.request.model_name', 'llm.model_name'] as const;
const RESPONSE_MODEL_SOURCES = ['gen_ai.response.model', 'llm.response.model_name'] as const;
const INPUT_TOKENS_SOURCES = ['gen_ai.usage.input_tokens', 'llm.token_count.prompt', 'gen_ai.usage.prompt_tokens'] as const;
const OUTPUT_TOKENS_SOURCES = ['gen_ai.usage.output_tokens', 'llm.token_count.completion', 'gen_ai.usage.completion_tokens'] as const;
const TOTAL_TOKENS_SOURCES = ['llm.token_count.total', 'gen_ai.usage.total_tokens', 'llm.usage.total_tokens'] as const;
const CACHE_READ_TOKENS_SOURCES = ['gen_ai.usage.cache_read.input_tokens', 'llm.token_count.prompt_details.cache_read'] as const;
const TOOL_NAME_SOURCES = ['gen_ai.tool.name', 'tool.name'] as const;
const TOOL_CALL_ID_SOURCES = ['gen_ai.tool.call.id', 'tool_call.id', 'tool.id'] as const;
const AGENT_NAME_SOURCES = ['gen_ai.agent.name', 'agent.name'] as const;
const AGENT_ID_SOURCES = ['gen_ai.agent.id'] as const;
const INPUT_VALUE_SOURCES = ['input.value'] as const;
const OUTPUT_VALUE_SOURCES = ['output.value'] as const;
const RESPONSE_ID_SOURCES = ['gen_ai.response.id'] as const;
const CONVERSATION_ID_SOURCES = ['gen_ai.conversation.id', 'session.id'] as const;
const ERROR_TYPE_SOURCES = ['error.type'] as const;

function firstString(attributes: AttributeSink, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = attributes.valueOf(key, STRING);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

const NO_ORIGINALS: Originals = Object.freeze({});

const countRe = /^[0-9]{1,19}$/;

/** A token count sent as an int, an integral double or decimal text. */
function firstCount(attributes: AttributeSink, keys: readonly string[]): Long | undefined {
  for (const key of keys) {
    const position = attributes.positionOf(key);
    if (position < 0) continue;
    const value = attributes.values[position];
    switch (attributes.kinds[position]) {
      case INT:
        return typeof value === 'number' ? toLong(value) : (value as Long);
      case DOUBLE:
        if (Number.isSafeInteger(value)) return toLong(value as number);
        break;
      case STRING:
        if (countRe.test(value as string)) return toLong(BigInt(value as string));
        break;
      default:
    }
  }
  return undefined;
}

const MAX_FINISH_REASONS = 128;

function finishReasons(attributes: AttributeSink): string[] | undefined {
  const single = attributes.string('gen_ai.response.finish_reasons');
  if (single !== undefined) return [single];
  let out: string[] | undefined;
  for (let i = 0; i < MAX_FINISH_REASONS; i++) {
    const reason = attributes.string(`gen_ai.response.finish_reasons.${i}`);
    if (reason === undefined) break;
    (out ??= []).push(reason);
  }
  if (out !== undefined) return out;
  const openInference = attributes.string('llm.finish_reason');
  return openInference === undefined ? undefined : [openInference];
}

/** A text attribute as sent, or a structured one (an arguments object) as JSON text. */
function textOrJson(attributes: AttributeSink, originals: Originals, key: 'gen_ai.tool.call.arguments' | 'gen_ai.tool.call.result', deps: GenAiDeps): string | undefined {
  const text = attributes.string(key);
  if (text !== undefined && text !== '') return text;
  const structured = structuredValue(originals[key], attributes, key, deps.clean);
  if (structured === undefined) return undefined;
  const json = jsonText(structured.value);
  if (json === '') return undefined;
  return structured.clean === deps.clean ? deps.clean(json) : deps.truncate(json);
}

function hasGenAiEvent(events: readonly EventOrigin[]): boolean {
  for (const event of events) if (event.name.startsWith('gen_ai.')) return true;
  return false;
}

/**
 * The GenAI fields of one span, or undefined when it has none. conversation_id and error_type
 * alone do not make a GenAI span (`session.id` and `error.type` appear on plain web spans too).
 */
export function extractGenAi(span: GenAiSpan, deps: GenAiDeps): IGenAi | undefined {
  const a = span.attributes;
  const genAi: IGenAi = {};
  const openInferenceKind = firstString(a, SPAN_KIND_SOURCES);
  const toolSpan = openInferenceKind !== undefined && openInferenceKind.toUpperCase() === 'TOOL';
  const operation = firstString(a, OPERATION_SOURCES) ?? (openInferenceKind === undefined ? undefined : operationByOpenInferenceKind[openInferenceKind.toUpperCase()]);

  if (operation !== undefined) genAi.operationName = operation;
  if (openInferenceKind !== undefined) genAi.openinferenceSpanKind = openInferenceKind;
  setString(genAi, 'providerName', firstString(a, PROVIDER_SOURCES));
  setString(genAi, 'requestModel', firstString(a, REQUEST_MODEL_SOURCES));
  setString(genAi, 'responseModel', firstString(a, RESPONSE_MODEL_SOURCES));
  setCount(genAi, 'inputTokens', firstCount(a, INPUT_TOKENS_SOURCES));
  setCount(genAi, 'outputTokens', firstCount(a, OUTPUT_TOKENS_SOURCES));
  setCount(genAi, 'totalTokens', firstCount(a, TOTAL_TOKENS_SOURCES));
  setCount(genAi, 'cacheReadInputTokens', firstCount(a, CACHE_READ_TOKENS_SOURCES));
  setString(genAi, 'toolName', firstString(a, TOOL_NAME_SOURCES));
  setString(genAi, 'toolCallId', firstString(a, TOOL_CALL_ID_SOURCES));
  setString(genAi, 'agentName', firstString(a, AGENT_NAME_SOURCES));
  setString(genAi, 'agentId', firstString(a, AGENT_ID_SOURCES));
  setString(genAi, 'inputValue', firstString(a, INPUT_VALUE_SOURCES));
  setString(genAi, 'outputValue', firstString(a, OUTPUT_VALUE_SOURCES));
  setString(genAi, 'responseId', firstString(a, RESPONSE_ID_SOURCES));
  const reasons = finishReasons(a);
  if (reasons !== undefined) genAi.finishReasons = reasons;

  const families = a.keyFamilies;
  const genAiKeys = (families & PREFIX_GEN_AI) !== 0;
  const originals: Originals = (genAiKeys ? a.originals : undefined) ?? NO_ORIGINALS;
  setString(genAi, 'toolCallArguments', textOrJson(a, originals, 'gen_ai.tool.call.arguments', deps) ?? (toolSpan ? genAi.inputValue ?? undefined : undefined));
  setString(genAi, 'toolCallResult', textOrJson(a, originals, 'gen_ai.tool.call.result', deps) ?? (toolSpan ? genAi.outputValue ?? undefined : undefined));
  const instructions = structuredValue(originals['gen_ai.system_instructions'], a, 'gen_ai.system_instructions', deps.clean);
  if (instructions !== undefined) setString(genAi, 'systemInstructions', instructionText(instructions.value, instructions.clean));

  const sources: MessageSourceContext = {
    attributes: a,
    originals,
    events: span.events,
    redaction: deps.redaction,
    clean: deps.clean,
    openInference: openInferenceKind !== undefined || (families & PREFIX_LLM) !== 0,
    indexedGenAi: (families & PREFIX_GEN_AI_INDEXED) !== 0,
    genAiEvents: hasGenAiEvent(span.events),
  };
  const input = inputMessages(sources);
  if (input.length > 0) genAi.inputMessages = input;
  const output = outputMessages(sources);
  if (output.length > 0) genAi.outputMessages = output;

  // Checked before the two fields below, which alone do not make a GenAI span.
  if (!isGenAiSpan(genAi)) return undefined;
  setString(genAi, 'conversationId', firstString(a, CONVERSATION_ID_SOURCES));
  setString(genAi, 'errorType', firstString(a, ERROR_TYPE_SOURCES));
  return genAi;
}

function isGenAiSpan(genAi: IGenAi): boolean {
  return (
    genAi.operationName != null ||
    genAi.openinferenceSpanKind != null ||
    genAi.providerName != null ||
    genAi.requestModel != null ||
    genAi.responseModel != null ||
    genAi.inputTokens != null ||
    genAi.outputTokens != null ||
    genAi.totalTokens != null ||
    genAi.cacheReadInputTokens != null ||
    genAi.toolName != null ||
    genAi.toolCallId != null ||
    genAi.toolCallArguments != null ||
    genAi.toolCallResult != null ||
    genAi.agentName != null ||
    genAi.agentId != null ||
    genAi.inputValue != null ||
    genAi.outputValue != null ||
    genAi.responseId != null ||
    genAi.finishReasons != null ||
    genAi.systemInstructions != null ||
    genAi.inputMessages != null ||
    genAi.outputMessages != null
  );
}

type StringField = {
  [K in keyof IGenAi]-?: NonNullable<IGenAi[K]> extends string ? K : never;
}[keyof IGenAi];

function setString(genAi: IGenAi, field: StringField, value: string | undefined): void {
  if (value !== undefined && value !== '') genAi[field] = value;
}

function setCount(genAi: IGenAi, field: 'inputTokens' | 'outputTokens' | 'totalTokens' | 'cacheReadInputTokens', value: Long | undefined): void {
  if (value !== undefined) genAi[field] = value;
}
