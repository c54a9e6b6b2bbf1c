// The judge's prompt, versioned: a change of wording is a new PROMPT_VERSION (and evaluator version), so a
// score always traces back to the exact prompt that produced it.
import { TAXONOMY_V1 } from '../../taxonomy.js';
import type { SessionView } from '../../view/session-view.js';

export const PROMPT_VERSION = 1;

export const DEFAULT_RUBRIC =
  'The session passes when the agent did what the user actually wanted, correctly and completely, following its instructions, ' +
  'without inventing facts or acting on values nobody gave, and without leaving a failed step unhandled. ' +
  'It fails when the user was not served: wrong or unrequested actions, a missed part of the request, an answer to a different question, ' +
  'a failed tool result treated as success, or a constraint the user or the system stated being broken.';

const SYSTEM = `You review one AI agent session and decide whether it met the bar described by the rubric.
Answer with one JSON object and nothing else:
{"verdict": "pass" | "fail", "score": number between 0 and 1 (1 = fully met), "pattern": string, "subtype": string,
 "evidence": [{"step": step number from the transcript, "note": "short reason"}], "reason": "one sentence"}
When the verdict is "fail", pattern and subtype must come from this taxonomy (pattern: subtypes):
${Object.entries(TAXONOMY_V1)
  .map(([pattern, subtypes]) => `- ${pattern}: ${subtypes.join(', ')}`)
  .join('\n')}
Evidence names the transcript steps where things went wrong, most decisive first (at most 5). Judge only from the transcript.`;

export interface Transcript {
  text: string;
  /** Step number -> span id. */
  steps: string[];
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)} …[${text.length - max} more characters]`;
}

/** The session as numbered steps; long sessions keep their beginning and end. */
export function buildTranscript(view: SessionView, maxChars: number, maxMessageChars = 1_500): Transcript {
  const steps: string[] = [];
  const lines: string[] = [];
  for (const entry of view.timeline) {
    const n = steps.length;
    if (entry.kind === 'message') {
      const m = entry.message;
      steps.push(m.spanId);
      lines.push(`[${n}] ${m.role}${m.agentName ? ` (${m.agentName})` : ''}: ${cut(m.text, maxMessageChars)}`);
    } else {
      const c = entry.call;
      steps.push(c.resultSpanId || c.spanId);
      const result = c.result === undefined ? '(no result)' : cut(c.result, maxMessageChars);
      lines.push(`[${n}] tool call${c.agentName ? ` (${c.agentName})` : ''} ${c.name}(${cut(c.arguments, 400)}) -> ${c.error ? 'ERROR ' : ''}${result}`);
    }
  }
  let text = lines.join('\n');
  if (text.length > maxChars) {
    const head = text.slice(0, Math.floor(maxChars * 0.4));
    const tail = text.slice(text.length - Math.floor(maxChars * 0.6));
    text = `${head}\n…[middle of the session left out]…\n${tail}`;
  }
  return { text, steps };
}

export function judgeMessages(view: SessionView, rubric: string, maxChars: number): { messages: Array<{ role: string; content: string }>; transcript: Transcript } {
  const transcript = buildTranscript(view, maxChars);
  const system = view.systemPrompt ? `\n\nThe agent's own instructions (system prompt):\n${cut(view.systemPrompt, 4_000)}` : '';
  return {
    transcript,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: `Rubric: ${rubric}${system}\n\nTranscript:\n${transcript.text}` },
    ],
  };
}
