// Chat messages in any of the shapes GenAI instrumentations send, to tracebar.v1.GenAiMessage:
// - OTel GenAI semantic conventions (gen_ai.input.messages / gen_ai.output.messages):
//   { role, parts: [{ type: text | tool_call | tool_call_response, ... }], name, finish_reason }
// - OpenAI-style objects (older gen_ai.prompt JSON, event bodies): { role, content, tool_calls, tool_call_id }
// - gen_ai.choice event bodies: { index, finish_reason, message: { ... } }
// - OpenInference / OpenLLMetry flattened messages turned back into objects:
//   { message: { role, content, contents: [{ message_content: { type, text } }],
//     tool_calls: [{ tool_call: { id, function: { name, arguments } } }], tool_call_id, name } }
import type { IGenAiMessage, IGenAiToolCall } from '@tracebar/proto';
import { asList, isJsObject, jsonText, stringOf, type JsObject } from './js-values.js';

/** Masks and truncates text taken from an attribute that was not cleaned on the way in. */
export type CleanText = (text: string) => string;

export const keepText: CleanText = (text) => text;

/** A list of messages (or one message, or plain text) to GenAiMessages; unusable entries are skipped. */
export function toChatMessages(value: unknown, defaultRole: string, clean: CleanText): IGenAiMessage[] {
  if (typeof value === 'string') return value === '' ? [] : [{ role: defaultRole, content: clean(value) }];
  const list = asList(value);
  if (isJsObject(value) && list.length === 0) {
    const single = toChatMessage(value, defaultRole, clean);
    return single === undefined ? [] : [single];
  }
  const out: IGenAiMessage[] = [];
  for (const element of list) {
    if (typeof element === 'string') {
      if (element !== '') out.push({ role: defaultRole, content: clean(element) });
    } else if (isJsObject(element)) {
      const message = toChatMessage(element, defaultRole, clean);
      if (message !== undefined) out.push(message);
    }
  }
  return out;
}

/** Text parts joined with "\n" as they come (one part needs no array). */
function appendText(content: string | undefined, text: string): string {
  return content === undefined ? text : `${content}\n${text}`;
}

function toChatMessage(source: JsObject, defaultRole: string, clean: CleanText): IGenAiMessage | undefined {
  const nested = source.message;
  if (isJsObject(nested)) {
    const message = toChatMessage(nested, defaultRole, clean);
    const finishReason = stringOf(source.finish_reason);
    if (message !== undefined && finishReason !== undefined && !message.finishReason) message.finishReason = finishReason;
    return message;
  }

  const role = stringOf(source.role)?.toLowerCase() ?? defaultRole;
  let content: string | undefined;
  let toolCalls: IGenAiToolCall[] | undefined;
  let toolCallId: string | undefined;

  for (const part of asList(source.parts)) {
    if (!isJsObject(part)) continue;
    switch (part.type) {
      case 'text':
        if (typeof part.content === 'string') content = appendText(content, part.content);
        break;
      case 'tool_call':
        (toolCalls ??= []).push(toolCall(stringOf(part.id), stringOf(part.name), part.arguments, clean));
        break;
      case 'tool_call_response':
        toolCallId ??= stringOf(part.id);
        if (part.response !== undefined) content = appendText(content, jsonText(part.response));
        else if (part.result !== undefined) content = appendText(content, jsonText(part.result));
        break;
      default:
      // Reasoning, blobs, files and URIs are not chat text.
    }
  }

  const sourceContent = source.content;
  if (typeof sourceContent === 'string') content = appendText(content, sourceContent);
  else content = addContentItems(asList(sourceContent), content);
  content = addContentItems(asList(source.contents), content);

  for (const entry of asList(source.tool_calls)) {
    if (!isJsObject(entry)) continue;
    const call = isJsObject(entry.tool_call) ? entry.tool_call : entry;
    const fn = isJsObject(call.function) ? call.function : call;
    (toolCalls ??= []).push(toolCall(stringOf(call.id), stringOf(fn.name), fn.arguments ?? call.args, clean));
  }
  const functionName = stringOf(source.function_call_name);
  if (functionName !== undefined) (toolCalls ??= []).push(toolCall(undefined, functionName, source.function_call_arguments_json, clean));

  toolCallId ??= stringOf(source.tool_call_id) ?? (role === 'tool' ? stringOf(source.id) : undefined);

  const message: IGenAiMessage = {};
  if (role !== '') message.role = role;
  if (content !== undefined) message.content = clean(content);
  if (toolCalls !== undefined) message.toolCalls = toolCalls;
  if (toolCallId !== undefined) message.toolCallId = clean(toolCallId);
  const name = stringOf(source.name);
  if (name !== undefined) message.name = clean(name);
  const finishReason = stringOf(source.finish_reason);
  if (finishReason !== undefined) message.finishReason = finishReason;
  return message.content === undefined && message.toolCalls === undefined && message.toolCallId === undefined ? undefined : message;
}

/** OpenAI content parts `{type: 'text', text}` and OpenInference `{message_content: {type, text}}`, appended to `content`. */
function addContentItems(items: readonly unknown[], content: string | undefined): string | undefined {
  let out = content;
  for (const item of items) {
    if (typeof item === 'string') {
      out = appendText(out, item);
      continue;
    }
    if (!isJsObject(item)) continue;
    const body = isJsObject(item.message_content) ? item.message_content : item;
    if (body.type !== undefined && body.type !== 'text') continue;
    const text = typeof body.text === 'string' ? body.text : body.content;
    if (typeof text === 'string') out = appendText(out, text);
  }
  return out;
}

function toolCall(id: string | undefined, name: string | undefined, args: unknown, clean: CleanText): IGenAiToolCall {
  const call: IGenAiToolCall = {};
  if (id !== undefined) call.id = clean(id);
  if (name !== undefined) call.name = clean(name);
  const text = jsonText(args);
  if (text !== '') call.arguments = clean(text);
  return call;
}

/** Text parts of system instructions (`[{type: 'text', content}]`), or the text itself. */
export function instructionText(value: unknown, clean: CleanText): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : clean(value);
  const texts: string[] = [];
  for (const part of asList(value)) {
    if (typeof part === 'string') texts.push(part);
    else if (isJsObject(part) && (part.type === undefined || part.type === 'text') && typeof part.content === 'string') texts.push(part.content);
  }
  return texts.length === 0 ? undefined : clean(texts.join('\n'));
}
