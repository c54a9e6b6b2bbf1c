// Chat messages in the shape of the OpenTelemetry GenAI semantic conventions
// (gen_ai.input.messages / gen_ai.output.messages / gen_ai.system_instructions JSON):
//   { role, parts: [{type: 'text', content} | {type: 'tool_call', id, name, arguments}
//                   | {type: 'tool_call_response', id, response}], name?, finish_reason? }

export interface TextPart {
  type: 'text';
  content: string;
}
export interface ToolCallPart {
  type: 'tool_call';
  id: string;
  name: string;
  /** The arguments object when the model's arguments text is a JSON object, else the text. */
  arguments: unknown;
}
export interface ToolCallResponsePart {
  type: 'tool_call_response';
  id: string;
  response: string;
}
export type MessagePart = TextPart | ToolCallPart | ToolCallResponsePart;

export interface ChatMessage {
  role: string;
  parts: MessagePart[];
  name?: string;
  finish_reason?: string;
}

export function textPart(content: string): TextPart {
  return { type: 'text', content };
}

/** The semconv gives tool call arguments as an object; OpenAI sends JSON text. */
export function toolCallArguments(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') return parsed;
  } catch {
    // Not JSON: kept as the text the model produced.
  }
  return text;
}

/** `gen_ai.system_instructions`: a list of text parts. */
export function systemInstructions(texts: readonly string[]): string | undefined {
  const parts = texts.filter((text) => text !== '').map(textPart);
  return parts.length === 0 ? undefined : JSON.stringify(parts);
}
