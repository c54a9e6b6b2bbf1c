// Attribute names written by the importers: OpenTelemetry GenAI semantic conventions, plus
// tracebar's session end marker (services/ingest/docs/normalization.md).
export const ATTR = {
  sessionId: 'session.id',
  sessionEnd: 'tracebar.session.end',
  serviceName: 'service.name',
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  agentName: 'gen_ai.agent.name',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  systemInstructions: 'gen_ai.system_instructions',
  toolName: 'gen_ai.tool.name',
  toolType: 'gen_ai.tool.type',
  toolCallId: 'gen_ai.tool.call.id',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
} as const;

export const OPERATION = {
  chat: 'chat',
  executeTool: 'execute_tool',
  invokeAgent: 'invoke_agent',
} as const;

/** Span names as the conventions give them: `{operation} {model | tool | agent}`. */
export function spanName(operation: string, subject: string | undefined): string {
  return subject ? `${operation} ${subject}` : operation;
}
