// llm_judge: a rubric sent to an OpenAI-compatible chat-completions endpoint (temperature 0, JSON verdict,
// versioned prompt, per-attempt timeout and retries). Unreachable, refused or unparseable -> unscored, never
// passed.
import { z } from 'zod';
import { clamp01, evidenceFor, unscored } from '../../evaluation.js';
import { isKnownPattern } from '../../taxonomy.js';
import { MAX_EVIDENCE, type Evaluation, type EvaluatorDeps, type EvaluatorType, type JudgeSettings } from '../../types.js';
import type { SessionView } from '../../view/session-view.js';
import { AttemptError, postJson, withRetries } from '../../openai-endpoint.js';
import { DEFAULT_RUBRIC, PROMPT_VERSION, judgeMessages, type Transcript } from './prompt.js';

export const llmJudgeParams = z
  .object({
    rubric: z.string().min(1).default(DEFAULT_RUBRIC),
    /** Score below which the verdict is failed when the judge gives a score but no verdict. */
    passScore: z.number().min(0).max(1).default(0.5),
    maxTranscriptChars: z.number().int().min(1_000).default(24_000),
    /** Overrides the scorer's judge model for this evaluator. */
    model: z.string().optional(),
  })
  .strict()
  .prefault({});

export type LlmJudgeParams = z.infer<typeof llmJudgeParams>;

const verdictSchema = z.object({
  verdict: z.enum(['pass', 'fail']).optional(),
  score: z.number().min(0).max(1).optional(),
  pattern: z.string().optional(),
  subtype: z.string().optional(),
  evidence: z.array(z.object({ step: z.coerce.number().int(), note: z.string() })).optional(),
  reason: z.string().optional(),
});
type Verdict = z.infer<typeof verdictSchema>;

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

export function parseVerdict(content: string): Verdict {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(content);
  const body = (fenced ? fenced[1]! : content).trim();
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  if (start < 0 || end <= start) throw new AttemptError('judge answer has no JSON object', true);
  let raw: unknown;
  try {
    raw = JSON.parse(body.slice(start, end + 1));
  } catch {
    throw new AttemptError('judge answer is not valid JSON', true);
  }
  const parsed = verdictSchema.safeParse(raw);
  if (!parsed.success || (parsed.data.verdict === undefined && parsed.data.score === undefined)) throw new AttemptError('judge answer has no verdict', true);
  return parsed.data;
}

async function attempt(settings: JudgeSettings, body: string, deps: EvaluatorDeps): Promise<Verdict> {
  const completion = completionSchema.safeParse(await postJson(settings, '/chat/completions', body, deps, 'judge'));
  if (!completion.success) throw new AttemptError('judge response is not a chat completion', true);
  return parseVerdict(completion.data.choices[0]!.message.content ?? '');
}

function toEvaluation(view: SessionView, verdict: Verdict, transcript: Transcript, params: LlmJudgeParams): Evaluation {
  const score = clamp01(verdict.score ?? (verdict.verdict === 'pass' ? 1 : 0));
  const failedVerdict = verdict.verdict ? verdict.verdict === 'fail' : score < params.passScore;
  const evidence = (verdict.evidence ?? [])
    .filter((item) => item.step >= 0 && item.step < transcript.steps.length)
    .slice(0, MAX_EVIDENCE)
    .map((item) => evidenceFor(view, transcript.steps[item.step]!, item.note.slice(0, 200)));
  const evaluation: Evaluation = {
    score,
    outcome: failedVerdict ? 'failed' : 'passed',
    evidence,
    detail: (verdict.reason ?? (failedVerdict ? 'the judge failed the session' : 'the judge passed the session')).slice(0, 300),
    signals: { judge_score: score, prompt_version: PROMPT_VERSION },
  };
  if (failedVerdict && verdict.pattern && isKnownPattern(verdict.pattern, verdict.subtype ?? '')) {
    evaluation.pattern = { pattern: verdict.pattern, subtype: verdict.subtype ?? '' };
  }
  return evaluation;
}

async function evaluateLlmJudge(view: SessionView, params: LlmJudgeParams, deps: EvaluatorDeps): Promise<Evaluation> {
  const settings = deps.judge;
  if (!settings) return unscored('no judge configured');
  if (view.timeline.length === 0) return unscored('nothing to judge: no messages or tool calls');
  const { messages, transcript } = judgeMessages(view, params.rubric, params.maxTranscriptChars);
  const body = JSON.stringify({
    model: params.model ?? settings.model,
    temperature: 0,
    response_format: { type: 'json_object' },
    messages,
  });
  const answered = await withRetries(settings.retries, deps.signal, () => attempt(settings, body, deps), 'judge gave no answer');
  if (answered.ok) return toEvaluation(view, answered.value, transcript, params);
  return unscored(answered.reason, { prompt_version: PROMPT_VERSION });
}

export const llmJudge: EvaluatorType<LlmJudgeParams> = {
  type: 'llm_judge',
  version: 1,
  description: `A rubric judged by an OpenAI-compatible chat-completions model (temperature 0, JSON verdict, prompt v${PROMPT_VERSION}); unreachable or unparseable gives unscored.`,
  params: llmJudgeParams,
  deterministic: false,
  evaluate: (session, params, deps) => evaluateLlmJudge(session, params, deps),
};
