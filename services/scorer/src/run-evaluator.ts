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

function isPromiseLike(value: unknown): value is PromiseLike<Evaluation> {
  return typeof (value as PromiseLike<Evaluation> | null)?.then === 'function';
}

function failure(error: unknown, began: bigint): EvaluatorRun {
  const message = error instanceof Error ? error.message : String(error);
  return { evaluation: unscored('error', `evaluator error: ${message}`), status: 'error', durationNs: process.hrtime.bigint() - began };
}

export async function runEvaluator(
  type: EvaluatorType,
  view: SessionView,
  params: unknown,
  deps: Omit<EvaluatorDeps, 'signal'>,
  timeoutMs: number,
): Promise<EvaluatorRun> {
  const began = process.hrtime.bigint();
  // Deterministic evaluators neither read the signal nor return a promise: no AbortController and no
  // timer for them (a synchronous evaluation cannot be interrupted by a timer anyway).
  let controller: AbortController | undefined;
  const runDeps: EvaluatorDeps = {
    ...deps,
    get signal() {
      controller ??= new AbortController();
      return controller.signal;
    },
  };
  let pending: Evaluation | PromiseLike<Evaluation>;
  try {
    pending = type.evaluate(view, params, runDeps);
  } catch (error) {
    return failure(error, began);
  }
  if (!isPromiseLike(pending)) return { evaluation: checked(pending), status: 'ok', durationNs: process.hrtime.bigint() - began };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller?.abort(new Error(`evaluator timed out after ${timeoutMs} ms`));
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([pending, timedOut]);
    const durationNs = process.hrtime.bigint() - began;
    if (result === 'timeout') return { evaluation: unscored('timeout', `no result within ${timeoutMs} ms`), status: 'timeout', durationNs };
    return { evaluation: checked(result), status: 'ok', durationNs };
  } catch (error) {
    return failure(error, began);
  } finally {
    clearTimeout(timer);
  }
}
