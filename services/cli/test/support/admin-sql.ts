// What the CLI tests share to look at a running instance: its admin SQL API as rows, polling until
// a condition holds, and a logger that stays quiet unless TRACEBAR_TEST_LOG names a level.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@tracebar/runtime';

export type Row = Record<string, unknown>;

/** A read-only query through an instance's `POST /v1/sql`, rows as objects by column name. */
export async function adminSql(adminUrl: string, query: string): Promise<Row[]> {
  const response = await fetch(`${adminUrl}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, params: {} }) });
  const body = (await response.json()) as { columns: { name: string }[]; rows: unknown[][]; error?: string };
  if (!response.ok || body.error) throw new Error(`SQL ${response.status}: ${body.error ?? JSON.stringify(body)}`);
  return body.rows.map((row) => Object.fromEntries(body.columns.map((c, i) => [c.name, row[i]])));
}

/** Reads until `done` holds; the error names what was awaited and the last value read. */
export async function until<T>(what: string, read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function quietLogger(): Logger {
  const level = process.env.TRACEBAR_TEST_LOG;
  return level ? createLogger({ name: 'test', level }) : createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
}
