// One evaluator run: bounded by its timeout, never throwing; a failure to judge is "unscored".
import type { Evaluation, EvaluatorDeps, EvaluatorType, SessionView } from '@tracebar/evaluators';

export type RunStatus = 'ok' | 'timeout' | 'error';

export interface EvaluatorRun {
  evaluation: Evaluation;
  status: RunStatus;
  durationNs: bigint;
}

export function unscored(reason: string, detail = reason): Evaluation {
  return { score: 0, outcome: 'unscored', evidence: [], detail, unscoredReason: reason, signals: {} };
}

/** Guards the contract: a score outside [0,1] or an unknown outcome is the evaluator's bug. */
function checked(evaluation: Evaluation): Evaluation {
  const validOutcome = evaluation.outcome === 'passed' || evaluation.outcome === 'failed' || evaluation.outcome === 'unscored';
  if (!validOutcome || !Number.isFinite(evaluation.score)) return unscored('invalid result', `invalid result: outcome ${String(evaluation.outcome)}, score ${evaluation.score}`);
  return { ...evaluation, score: Math.min(1, Math.max(0, evaluation.score)) };
}

export async function runEvaluator(
  type: EvaluatorType,
  view: SessionView,
  params: unknown,
  deps: Omit<EvaluatorDeps, 'signal'>,
  timeoutMs: number,
): Promise<EvaluatorRun> {
  const began = process.hrtime.bigint();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`evaluator timed out after ${timeoutMs} ms`));
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(() => type.evaluate(view, params, { ...deps, signal: controller.signal })), timedOut]);
    const durationNs = process.hrtime.bigint() - began;
    if (result === 'timeout') return { evaluation: unscored('timeout', `no result within ${timeoutMs} ms`), status: 'timeout', durationNs };
    return { evaluation: checked(result), status: 'ok', durationNs };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { evaluation: unscored('error', `evaluator error: ${message}`), status: 'error', durationNs: process.hrtime.bigint() - began };
  } finally {
    clearTimeout(timer);
  }
}
