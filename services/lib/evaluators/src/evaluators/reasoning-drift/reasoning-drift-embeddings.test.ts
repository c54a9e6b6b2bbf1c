// reasoning_drift with the optional embeddings endpoint, against a local node:http server that speaks
// the OpenAI embeddings protocol. Its vectors count words of a few topics (one dimension each), so
// texts on one topic are close whatever their wording and texts on different topics are orthogonal.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SessionBuilder, evaluateNow, testDeps } from '../../../test/fixtures.js';
import type { Evaluation, EvaluatorDeps } from '../../types.js';
import { reasoningDrift } from './reasoning-drift.js';

const TOPICS = [
  ['trip', 'paris', 'france', 'booking', 'reservation', 'cancel', 'annulled', 'refund', 'money', 'card', 'flight'],
  ['router', 'password', 'reset', 'wifi', 'ax3000', 'firmware'],
  ['subscription', 'premium', 'storage', 'cloud', 'family', 'discounts', 'accessories'],
];

function embedding(text: string): number[] {
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return TOPICS.map((topic) => words.filter((word) => topic.includes(word)).length);
}

type Handler = (input: string[], res: ServerResponse) => void;
let server: Server;
let url = '';
let handler: Handler;
const requests: Array<{ path: string | undefined; auth: string | undefined; body: { model: string; input: string[] } }> = [];

function answer(res: ServerResponse, vectors: number[][]): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ object: 'list', model: 'embed-test', data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })).reverse() }));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(data) as { model: string; input: string[] };
      requests.push({ path: req.url, auth: req.headers.authorization, body });
      handler(body.input, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests.length = 0;
  handler = (input, res) => answer(res, input.map(embedding));
});

const defaults = reasoningDrift.params.parse(undefined);
const deps = (): EvaluatorDeps => ({ ...testDeps, embeddings: { url, model: 'embed-test', apiKey: 'sk-emb', timeoutMs: 500, retries: 1 } });

/** The request and an answer that share no content word but mean the same thing. */
function paraphrased(): SessionBuilder {
  const s = new SessionBuilder();
  s.user('Please cancel my trip to Paris next week, the reservation is ABC123.');
  s.assistant({ toolCalls: [{ name: 'cancel_reservation', args: { reservation_id: 'ABC123' }, result: '{"status": "cancelled"}' }] });
  s.assistant({ text: 'Your booking to France is annulled; the money goes back to your card within five days.' });
  return s;
}

describe('reasoning_drift with an embeddings endpoint', () => {
  it('by words alone, a paraphrased answer looks off topic', () => {
    const result = evaluateNow(reasoningDrift, paraphrased().view(), defaults);
    expect(result).toMatchObject({ outcome: 'failed', pattern: { pattern: 'reasoning_drift', subtype: 'off_topic' } });
  });

  it('by meaning, the same answer is on topic; one request with the request, the answer and the user text', async () => {
    const result: Evaluation = await reasoningDrift.evaluate(paraphrased().view(), defaults, deps());
    expect(result.outcome).toBe('passed');
    expect(result.signals.request_similarity).toBeGreaterThan(0.9);
    expect(result.signals.request_overlap).toBe(0);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ path: '/v1/embeddings', auth: 'Bearer sk-emb', body: { model: 'embed-test' } });
    expect(requests[0]!.body.input).toHaveLength(3);
    expect(requests[0]!.body.input[0]).toContain('cancel my trip to Paris');
    expect(requests[0]!.body.input[1]).toContain('annulled');
  });

  it('an answer about something else is off topic by meaning too, with the similarity in the evidence', async () => {
    const s = new SessionBuilder();
    s.user('How do I reset the password of my router model AX3000?');
    s.assistant({ toolCalls: [{ name: 'search_docs', args: { q: 'router password reset' }, result: '{"docs": ["..."]}' }] });
    const off = s.assistant({ text: 'Our premium subscription includes unlimited cloud storage, family sharing, priority support and discounts on accessories.' });
    const result = await reasoningDrift.evaluate(s.view(), defaults, deps());
    expect(result).toMatchObject({ outcome: 'failed', pattern: { pattern: 'reasoning_drift', subtype: 'off_topic' } });
    expect(result.evidence[0]!.spanId).toBe(off);
    expect(result.evidence[0]!.note).toMatch(/similarity 0\.00 to the request/);
    expect(result.signals.request_similarity).toBe(0);
  });

  it('unreachable or unreadable endpoint: retried, then the words alone decide, and it says so', async () => {
    handler = (_input, res) => {
      res.writeHead(503);
      res.end();
    };
    const result = await reasoningDrift.evaluate(paraphrased().view(), defaults, deps());
    expect(requests).toHaveLength(2);
    expect(result).toMatchObject({ outcome: 'failed', pattern: { pattern: 'reasoning_drift', subtype: 'off_topic' } });
    expect(result.signals.embeddings_unavailable).toBe(1);
    expect(result.detail).toMatch(/embeddings endpoint answered HTTP 503; by words only/);

    handler = (_input, res) => answer(res, [[1, 0, 0]]);
    const short = await reasoningDrift.evaluate(paraphrased().view(), defaults, deps());
    expect(short.signals.embeddings_unavailable).toBe(1);
    expect(short.detail).toMatch(/lacks input 1/);
  });

  it('params.embeddings false keeps to words even when an endpoint is configured', () => {
    const result = evaluateNow(reasoningDrift, paraphrased().view(), { ...defaults, embeddings: false }, deps());
    expect(result).toMatchObject({ outcome: 'failed' });
    expect(requests).toHaveLength(0);
  });
});
