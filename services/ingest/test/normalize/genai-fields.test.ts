// GenAI fields from both conventions (fixtures in testdata/, one per convention plus older shapes).
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '@tracebar/proto';
import { fixtureRequest, normalize, normalizeSpan, records, span } from './support.js';

function byName(fixture: string): Map<string, SpanRecord[]> {
  const result = normalize(fixtureRequest(fixture));
  expect(result.rejectedSpans).toBe(0);
  const out = new Map<string, SpanRecord[]>();
  for (const record of records(result)) out.set(record.name, [...(out.get(record.name) ?? []), record]);
  return out;
}

/** gen_ai as protobuf JSON (64-bit counts as decimal strings), which is how tests compare it. */
function genAiJson(record: SpanRecord | undefined): unknown {
  return record?.toJSON().genAi;
}

describe('GenAI fields, OTel GenAI semantic conventions (testdata/genai-otel-semconv.json)', () => {
  const spans = byName('genai-otel-semconv.json');

  it('lifts agent fields from an invoke_agent span', () => {
    expect(genAiJson(spans.get('invoke_agent WeatherBot')?.[0])).toEqual({
      operationName: 'invoke_agent',
      providerName: 'openai',
      requestModel: 'gpt-4o',
      agentName: 'WeatherBot',
      agentId: 'asst_5j66UpCpwteGg4YSxUnt7lPY',
      conversationId: 'conv_5j66UpCpwteGg4YSxUnt7lPY',
    });
  });

  it('lifts model, usage, instructions and JSON-text input / structured output messages from a chat span', () => {
    expect(genAiJson(spans.get('chat gpt-4o')?.[0])).toEqual({
      operationName: 'chat',
      providerName: 'openai',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      responseId: 'chatcmpl-AjH2yjXxw',
      inputTokens: '97',
      outputTokens: '52',
      cacheReadInputTokens: '64',
      finishReasons: ['stop'],
      conversationId: 'conv_5j66UpCpwteGg4YSxUnt7lPY',
      systemInstructions: 'You are a weather assistant.\nAnswer in one sentence.',
      inputMessages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', toolCalls: [{ id: 'call_VSPygqKTWdrhaFErNvMV18Yl', name: 'get_weather', arguments: '{"location":"Paris"}' }] },
        { role: 'tool', content: 'rainy, 57°F', toolCallId: 'call_VSPygqKTWdrhaFErNvMV18Yl' },
      ],
      outputMessages: [{ role: 'assistant', content: 'The weather in Paris is currently rainy with a temperature of 57°F.', finishReason: 'stop' }],
    });
  });

  it('lifts tool fields, with structured arguments as JSON text', () => {
    expect(genAiJson(spans.get('execute_tool get_weather')?.[0])).toEqual({
      operationName: 'execute_tool',
      toolName: 'get_weather',
      toolCallId: 'call_VSPygqKTWdrhaFErNvMV18Yl',
      toolCallArguments: '{"location":"Paris","units":"F"}',
      toolCallResult: 'rainy, 57°F',
      conversationId: 'conv_5j66UpCpwteGg4YSxUnt7lPY',
    });
  });

  it('lifts error.type on a failed GenAI call and keeps every attribute in the attribute maps too', () => {
    const failed = spans.get('chat gpt-4o')?.[1];
    expect(failed?.genAi?.errorType).toBe('timeout');
    expect(failed?.statusCode).toBe(2);
    expect(failed?.statusMessage).toBe('request timed out');
    const chat = spans.get('chat gpt-4o')?.[0];
    expect(chat?.attributes?.stringValues?.['gen_ai.input.messages']).toContain('"Weather in Paris?"');
    expect(chat?.attributes?.stringValues?.['gen_ai.output.messages.0.parts.0.content']).toBe('The weather in Paris is currently rainy with a temperature of 57°F.');
    expect(chat?.liftedAttributeKeys).toEqual([]);
  });
});

describe('GenAI fields, OpenInference (testdata/genai-openinference.json)', () => {
  const spans = byName('genai-openinference.json');

  it('maps the span kind to an operation and lifts input / output values of an AGENT span', () => {
    expect(genAiJson(spans.get('Agent')?.[0])).toEqual({
      operationName: 'invoke_agent',
      openinferenceSpanKind: 'AGENT',
      agentName: 'SupportAgent',
      conversationId: 'sess-7f3a',
      inputValue: 'Where is my order A-2231?',
      outputValue: 'Your replacement ships tomorrow.',
    });
  });

  it('lifts model, token counts and flattened messages (content, contents, tool calls) of an LLM span', () => {
    expect(genAiJson(spans.get('ChatCompletion')?.[0])).toEqual({
      operationName: 'chat',
      openinferenceSpanKind: 'LLM',
      providerName: 'openai',
      requestModel: 'gpt-4o-mini',
      inputTokens: '120',
      outputTokens: '18',
      totalTokens: '138',
      cacheReadInputTokens: '100',
      conversationId: 'sess-7f3a',
      inputMessages: [
        { role: 'system', content: 'You are a support agent.' },
        { role: 'user', content: 'Where is my order A-2231?' },
      ],
      outputMessages: [{ role: 'assistant', toolCalls: [{ id: 'call_lookup_1', name: 'lookup_order', arguments: '{"order_id": "A-2231"}' }] }],
    });
  });

  it('reads a tool result message with its tool call id', () => {
    expect(spans.get('ChatCompletion')?.[1]?.genAi?.inputMessages?.[2]?.toJSON()).toEqual({
      role: 'tool',
      content: '{"status": "replacement_pending"}',
      toolCallId: 'call_lookup_1',
    });
  });

  it('takes tool arguments and result of a TOOL span from input.value / output.value', () => {
    expect(genAiJson(spans.get('lookup_order')?.[0])).toEqual({
      operationName: 'execute_tool',
      openinferenceSpanKind: 'TOOL',
      toolName: 'lookup_order',
      toolCallId: 'call_lookup_1',
      toolCallArguments: '{"order_id": "A-2231"}',
      toolCallResult: '{"status": "replacement_pending"}',
      conversationId: 'sess-7f3a',
      inputValue: '{"order_id": "A-2231"}',
      outputValue: '{"status": "replacement_pending"}',
    });
  });

  it('keeps the span kind of a CHAIN span without inventing an operation', () => {
    expect(genAiJson(spans.get('RunnableSequence')?.[0])).toEqual({
      openinferenceSpanKind: 'CHAIN',
      conversationId: 'sess-7f3a',
      inputValue: 'Where is my order A-2231?',
    });
  });
});

describe('GenAI fields, older shapes (testdata/genai-legacy.json)', () => {
  const spans = byName('genai-legacy.json');

  it('reads OpenLLMetry indexed gen_ai.prompt / gen_ai.completion attributes and deprecated token names', () => {
    expect(genAiJson(spans.get('openai.chat')?.[0])).toEqual({
      providerName: 'openai',
      requestModel: 'gpt-3.5-turbo',
      responseModel: 'gpt-3.5-turbo-0125',
      inputTokens: '31',
      outputTokens: '12',
      totalTokens: '43',
      inputMessages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Book a table for two.' },
      ],
      outputMessages: [{ role: 'assistant', finishReason: 'tool_calls', toolCalls: [{ id: 'call_book_1', name: 'book_table', arguments: '{"people": 2}' }] }],
    });
  });

  it('reads messages from gen_ai.*.message and gen_ai.choice span events', () => {
    const genAi = genAiJson(spans.get('chat gpt-4o')?.[0]) as Record<string, unknown>;
    expect(genAi.inputMessages).toEqual([
      { role: 'system', content: 'You are a booking assistant.' },
      { role: 'user', content: 'Table for two at 8pm.' },
      { role: 'assistant', toolCalls: [{ id: 'call_book_2', name: 'book_table', arguments: '{"people": 2, "time": "20:00"}' }] },
      { role: 'tool', content: 'booked: table 12', toolCallId: 'call_book_2' },
    ]);
    expect(genAi.outputMessages).toEqual([{ role: 'assistant', content: 'Booked table 12 for 8pm.', finishReason: 'stop' }]);
  });

  it('reads event bodies sent whole as gen_ai.event.content JSON', () => {
    const genAi = genAiJson(spans.get('ChatCompletions_Create')?.[0]) as Record<string, unknown>;
    expect(genAi.inputMessages).toEqual([{ role: 'user', content: 'How many feet are in a mile?' }]);
    expect(genAi.outputMessages).toEqual([{ role: 'assistant', content: 'There are 5,280 feet in a mile.', finishReason: 'stop' }]);
  });

  it('reads gen_ai.content.prompt / completion events, keeping non-JSON prompt text as one message', () => {
    const genAi = genAiJson(spans.get('chat gpt-4')?.[0]) as Record<string, unknown>;
    expect(genAi.inputMessages).toEqual([{ role: 'user', content: "[{'role': 'user', 'content': 'What is the capital of France?'}]" }]);
    expect(genAi.outputMessages).toEqual([{ role: 'assistant', content: 'The capital of France is Paris.' }]);
  });
});

describe('GenAI fields, edge cases', () => {
  it('leaves gen_ai unset on a span without GenAI attributes, even with session.id and error.type', () => {
    const record = normalizeSpan(span({ attrs: { 'http.route': '/checkout', 'session.id': 's-1', 'error.type': '500' } }));
    expect(record.genAi).toBeNull();
  });

  it('parses messages longer than the attribute value limit from the original value', () => {
    const long = 'x'.repeat(300);
    const messages = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: long }] }]);
    const record = normalizeSpan(span({ attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': messages } }), { overrides: { maxAttributeValueLength: 100 } });
    expect(record.attributes?.stringValues?.['gen_ai.input.messages']).toHaveLength(100);
    expect(record.genAi?.inputMessages?.[0]?.content).toBe(long.slice(0, 100));
    expect(record.truncatedValueCount).toBe(1);
  });

  it('accepts token counts sent as doubles or decimal text, and ignores non-numeric ones', () => {
    const record = normalizeSpan(span({ attrs: { 'gen_ai.usage.input_tokens': 12.0, 'llm.token_count.completion': '7', 'llm.token_count.total': 'many', 'gen_ai.operation.name': 'chat' } }));
    expect(record.toJSON().genAi).toMatchObject({ inputTokens: '12', outputTokens: '7' });
    expect(record.genAi?.totalTokens).toBeNull();
  });

  it('joins several text parts with a newline and keeps the name of a message', () => {
    const messages = JSON.stringify([{ role: 'User', name: 'alice', parts: [{ type: 'text', content: 'one' }, { type: 'reasoning', content: 'hidden' }, { type: 'text', content: 'two' }] }]);
    const record = normalizeSpan(span({ attrs: { 'gen_ai.input.messages': messages } }));
    expect(record.genAi?.inputMessages?.[0]?.toJSON()).toEqual({ role: 'user', name: 'alice', content: 'one\ntwo' });
  });

  it('lists finish reasons of an array attribute in order', () => {
    const record = normalizeSpan(span({ attrs: { 'gen_ai.response.finish_reasons': ['stop', 'length'] } }));
    expect(record.genAi?.finishReasons).toEqual(['stop', 'length']);
  });
});
