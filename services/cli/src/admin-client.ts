import type { TracebarConfig } from '@tracebar/config';
import { SqlRejectedError, type SqlParams, type SqlResult } from '@tracebar/runtime';

/** The admin address a local client should dial: a wildcard bind is reached over loopback. */
export function adminBaseUrl(config: TracebarConfig): string {
  const host = config.admin.host === '0.0.0.0' || config.admin.host === '::' ? '127.0.0.1' : config.admin.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.admin.port}`;
}

function isConnectionRefused(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code === 'ECONNREFUSED';
}

/**
 * Runs the query through a running instance's admin API. Resolves undefined when nothing listens
 * there, or the process there has no store, so the caller can open the store itself.
 */
export async function sqlViaAdmin(baseUrl: string, query: string, params: SqlParams, timeoutMs = 60_000): Promise<SqlResult | undefined> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/v1/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if (isConnectionRefused(error)) return undefined;
    throw error;
  }
  // A process running part of the pipeline without the store (`tracebar ingest`): ask the store itself.
  if (response.status === 404) return undefined;
  const body = (await response.json()) as SqlResult | { error: string };
  if ('error' in body) {
    if (response.status === 400) throw new SqlRejectedError(body.error);
    throw new Error(`tracebar at ${baseUrl} answered ${response.status}: ${body.error}`);
  }
  return body;
}
