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

/**
 * An evaluator's deps with a signal made on first read: deterministic evaluators neither read it nor
 * return a promise, so they cost no AbortController and no timer (a synchronous evaluation cannot be
 * interrupted by a timer anyway). A class, not an object literal with a getter: ~15 times cheaper.
 */
class RunDeps implements EvaluatorDeps {
  declare fetch: EvaluatorDeps['fetch'];
  declare modelWindows: EvaluatorDeps['modelWindows'];
  declare now: EvaluatorDeps['now'];
  #controller: AbortController | undefined;

  constructor(deps: Omit<EvaluatorDeps, 'signal'>) {
    Object.assign(this, deps);
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  /** Aborts the signal if an evaluator took it (none other listens). */
  abort(reason: Error): void {
    this.#controller?.abort(reason);
  }
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
  const runDeps = new RunDeps(deps);
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
      runDeps.abort(new Error(`evaluator timed out after ${timeoutMs} ms`));
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
