// Calls to an OpenAI-compatible HTTP endpoint (chat completions for llm_judge, embeddings for
// reasoning_drift): one JSON POST per attempt, bounded by its own timeout and the scorer's signal,
// retried with backoff when the failure may pass (unreachable, timeout, 408/429/5xx, an answer that
// cannot be read).
import type { EndpointSettings } from './types.js';

export interface EndpointDeps {
  fetch: typeof globalThis.fetch;
  /** The scorer's abort (evaluator timeout). */
  signal: AbortSignal;
}

/** Why an attempt gave no usable answer, and whether another attempt may. */
export class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The endpoint's URL: a base URL (…/v1) gets the path appended; a URL that already ends with it is kept. */
export function endpointUrl(url: string, path: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith(path) ? trimmed : `${trimmed}${path}`;
}

/** One attempt: POSTs body, returns the parsed JSON answer; throws AttemptError. `what` names the endpoint in messages. */
export async function postJson(settings: EndpointSettings, path: string, body: string, deps: EndpointDeps, what: string): Promise<unknown> {
  const signal = AbortSignal.any([deps.signal, AbortSignal.timeout(settings.timeoutMs)]);
  let response: Response;
  try {
    response = await deps.fetch(endpointUrl(settings.url, path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}) },
      body,
      signal,
    });
  } catch (error) {
    if (deps.signal.aborted) throw new AttemptError('aborted by the scorer', false);
    throw new AttemptError(signal.aborted ? `${what} timed out after ${settings.timeoutMs} ms` : `${what} unreachable: ${(error as Error).message}`, true);
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    throw new AttemptError(signal.aborted ? `${what} timed out after ${settings.timeoutMs} ms` : `${what} response cut off`, !deps.signal.aborted);
  }
  if (!response.ok) {
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    throw new AttemptError(`${what} answered HTTP ${response.status}`, retryable);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AttemptError(`${what} response is not JSON`, true);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

export type Attempted<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Runs attempt up to 1 + retries times (backoff 100 ms doubling, at most 2 s) while its failures are retryable. */
export async function withRetries<T>(retries: number, signal: AbortSignal, attempt: () => Promise<T>, fallbackReason: string): Promise<Attempted<T>> {
  let last = fallbackReason;
  for (let i = 0; i <= retries; i++) {
    if (signal.aborted) return { ok: false, reason: 'aborted by the scorer' };
    try {
      return { ok: true, value: await attempt() };
    } catch (error) {
      last = (error as Error).message;
      if (!(error instanceof AttemptError) || !error.retryable) break;
      if (i < retries) await sleep(Math.min(2_000, 100 * 2 ** i), signal);
    }
  }
  return { ok: false, reason: last };
}
