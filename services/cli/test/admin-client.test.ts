import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SqlRejectedError } from '@tracebar/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { sqlViaAdmin } from '../src/admin-client.js';

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
});

/** An admin endpoint answering every request with this status and body. */
async function adminAnswering(status: number, body: unknown): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('sqlViaAdmin', () => {
  it('returns the result of a process with a store', async () => {
    const url = await adminAnswering(200, { columns: [{ name: 'one', type: 'UInt8' }], rows: [[1]] });
    expect(await sqlViaAdmin(url, 'SELECT 1 AS one', {})).toEqual({ columns: [{ name: 'one', type: 'UInt8' }], rows: [[1]] });
  });

  it('leaves the query to the store itself when the process there has none (404) or nothing listens', async () => {
    expect(await sqlViaAdmin(await adminAnswering(404, { error: 'no SQL store in this process' }), 'SELECT 1', {})).toBeUndefined();
    const closed = await adminAnswering(200, {});
    await new Promise((resolve) => servers.pop()?.close(resolve));
    expect(await sqlViaAdmin(closed, 'SELECT 1', {})).toBeUndefined();
  });

  it('reports a rejected query (400) as the caller\'s, and other failures with the status', async () => {
    await expect(sqlViaAdmin(await adminAnswering(400, { error: 'Unknown identifier x' }), 'SELECT x', {})).rejects.toThrow(SqlRejectedError);
    await expect(sqlViaAdmin(await adminAnswering(503, { error: 'store not ready' }), 'SELECT 1', {})).rejects.toThrow(/answered 503: store not ready/);
  });
});
