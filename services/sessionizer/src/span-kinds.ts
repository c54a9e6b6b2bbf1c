// What role a span plays in an agent session, from the GenAI fields ingest lifted (OTel GenAI
// `gen_ai.operation.name` first, then OpenInference's span kind).
import type { SpanView } from './span-view.js';

export type SpanRole = 'llm' | 'tool' | 'agent' | 'chain' | 'other' | 'none';

const LLM_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'completion']);
const AGENT_OPERATIONS = new Set(['invoke_agent', 'create_agent']);
const OTHER_OPERATIONS = new Set(['embeddings']);
const OTHER_OPENINFERENCE = new Set(['RETRIEVER', 'EMBEDDING', 'RERANKER', 'GUARDRAIL', 'EVALUATOR']);

export function spanRole(view: SpanView): SpanRole {
  const genAi = view.genAi;
  if (!genAi) return 'none';
  const operation = genAi.operationName;
  const kind = genAi.openinferenceKind.toUpperCase();
  if (operation === 'execute_tool' || kind === 'TOOL') return 'tool';
  if (LLM_OPERATIONS.has(operation) || kind === 'LLM') return 'llm';
  if (AGENT_OPERATIONS.has(operation) || kind === 'AGENT') return 'agent';
  if (kind === 'CHAIN') return 'chain';
  if (OTHER_OPERATIONS.has(operation) || OTHER_OPENINFERENCE.has(kind)) return 'other';
  if (operation === '' && kind === '') {
    // Neither convention named the operation: judge by what the span carries.
    if (genAi.requestModel !== '' && (genAi.lastUserInput || genAi.outputText || genAi.toolCallRequests.length > 0)) return 'llm';
    if (genAi.toolName !== '') return 'tool';
  }
  return 'none';
}

const ERROR_PREFIX = /^\s*(?:error\b|exception\b|traceback\b|failed\b|fatal\b|\{\s*"error"\s*:)/i;
const ERROR_PREFIX_BYTES = 256;

/** A tool result whose text opens like an error report ("Error: ...", {"error": ...}). */
export function looksLikeError(view: SpanView, range: { start: number; end: number } | undefined): boolean {
  if (!range || range.end <= range.start) return false;
  return ERROR_PREFIX.test(view.bytes.toString('utf8', range.start, Math.min(range.end, range.start + ERROR_PREFIX_BYTES)));
}

export const STATUS_ERROR = 2;

export function spanFailed(view: SpanView): boolean {
  return view.statusCode === STATUS_ERROR || (view.genAi !== undefined && view.genAi.errorType !== '');
}
