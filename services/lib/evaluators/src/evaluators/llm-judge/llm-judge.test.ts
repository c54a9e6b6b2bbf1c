// Against a local node:http server that speaks the OpenAI chat-completions protocol.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanSession, testDeps } from '../../../test/fixtures.js';
import type { EvaluatorDeps } from '../../types.js';
import { llmJudge } from './llm-judge.js';
import { PROMPT_VERSION } from './prompt.js';

type Handler = (body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let url = '';
let handler: Handler;
const requests: Array<Record<string, unknown>> = [];

function completion(res: ServerResponse, content: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(data) as Record<string, unknown>;
      requests.push({ ...body, path: req.url, auth: req.headers.authorization });
      handler(body, req, res);
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
});

const view = cleanSession().view();
const params = llmJudge.params.parse(undefined);
const deps = (extra: Partial<EvaluatorDeps['judge']> = {}, signal = new AbortController().signal): EvaluatorDeps => ({
  ...testDeps,
  signal,
  judge: { url, model: 'judge-model', apiKey: 'sk-test', timeoutMs: 500, retries: 1, ...extra },
});

describe('llm_judge', () => {
  it('is unscored without a judge, never passed', async () => {
    expect(await llmJudge.evaluate(view, params, testDeps)).toMatchObject({ outcome: 'unscored', unscoredReason: 'no judge configured' });
  });

  it('sends the versioned prompt at temperature 0 and maps a failing verdict to pattern and evidence spans', async () => {
    handler = (_body, _req, res) =>
      completion(res, '```json\n{"verdict": "fail", "score": 0.2, "pattern": "tool_failure", "subtype": "ignored_error", "evidence": [{"step": 1, "note": "result ignored"}], "reason": "the agent ignored an error"}\n```');
    const result = await llmJudge.evaluate(view, params, deps());
    expect(result).toMatchObject({ outcome: 'failed', score: 0.2, pattern: { pattern: 'tool_failure', subtype: 'ignored_error' }, detail: 'the agent ignored an error' });
    // Step 1 of the transcript is the first tool call, reported with the next LLM call.
    expect(result.evidence).toEqual([{ spanId: view.toolCalls[0]!.resultSpanId, traceId: view.toolCalls[0]!.traceId, note: 'result ignored' }]);
    expect(result.signals.prompt_version).toBe(PROMPT_VERSION);
    const sent = requests[0]!;
    expect(sent).toMatchObject({ path: '/v1/chat/completions', model: 'judge-model', temperature: 0, response_format: { type: 'json_object' }, auth: 'Bearer sk-test' });
    const messages = sent.messages as Array<{ role: string; content: string }>;
    expect(messages[1]!.content).toMatch(/\[1\] tool call \(agent\) get_order_details/);
  });

  it('passes on a passing verdict and drops patterns outside the taxonomy', async () => {
    handler = (_body, _req, res) => completion(res, '{"verdict": "pass", "score": 0.9, "pattern": "made_up", "reason": "fine"}');
    const result = await llmJudge.evaluate(view, params, deps());
    expect(result).toMatchObject({ outcome: 'passed', score: 0.9 });
    expect(result.pattern).toBeUndefined();
  });

  it('retries a 5xx, then succeeds', async () => {
    let calls = 0;
    handler = (_body, _req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503).end('busy');
        return;
      }
      completion(res, '{"verdict": "pass", "score": 1}');
    };
    expect((await llmJudge.evaluate(view, params, deps())).outcome).toBe('passed');
    expect(calls).toBe(2);
  });

  it('unparseable answers are unscored after the retries', async () => {
    handler = (_body, _req, res) => completion(res, 'I think the session was fine.');
    const result = await llmJudge.evaluate(view, params, deps({ retries: 2 }));
    expect(result).toMatchObject({ outcome: 'unscored', unscoredReason: 'judge answer has no JSON object' });
    expect(requests).toHaveLength(3);
  });

  it('a 4xx is not retried and is unscored', async () => {
    handler = (_body, _req, res) => res.writeHead(401).end('{"error": "bad key"}');
    expect(await llmJudge.evaluate(view, params, deps({ retries: 3 }))).toMatchObject({ outcome: 'unscored', unscoredReason: 'judge answered HTTP 401' });
    expect(requests).toHaveLength(1);
  });

  it('a judge that does not answer in time is unscored', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const result = await llmJudge.evaluate(view, params, deps({ timeoutMs: 100, retries: 1 }));
    expect(result).toMatchObject({ outcome: 'unscored', unscoredReason: 'judge timed out after 100 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('an unreachable judge is unscored', async () => {
    const result = await llmJudge.evaluate(view, params, deps({ url: 'http://127.0.0.1:9/v1', retries: 0 }));
    expect(result.outcome).toBe('unscored');
    expect(result.unscoredReason).toMatch(/^judge unreachable/);
  });

  it('stops when the scorer aborts', async () => {
    handler = () => undefined;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await llmJudge.evaluate(view, params, deps({ timeoutMs: 5_000, retries: 3 }, controller.signal));
    expect(result).toMatchObject({ outcome: 'unscored', unscoredReason: 'aborted by the scorer' });
    expect(requests).toHaveLength(1);
  });
});
