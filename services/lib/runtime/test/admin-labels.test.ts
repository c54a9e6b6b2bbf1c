// POST /v1/labels: labels in protobuf's JSON mapping, validated, handed to the publisher.
import { Writable } from 'node:stream';
import { decodeLabel, encodeLabel, LabelSource, Outcome, type Label } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { buildAdminServer, createLogger, createMetricsRegistry, type LabelPublisher } from '../src/index.js';

const silent = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
const NOW = 1_780_000_000_000_000_000n;

function server(labels?: LabelPublisher) {
  return buildAdminServer({ logger: silent, registry: createMetricsRegistry(), readiness: () => [], labels, nowUnixNano: () => NOW });
}

function collector(): { published: Label[][]; publish: LabelPublisher } {
  const published: Label[][] = [];
  return { published, publish: async (labels) => void published.push([...labels]) };
}

const imported = {
  label_id: 'import:gpt-4o-airline/0/0',
  tenant: 'default',
  session_key: 'gpt-4o-airline/0/0',
  session_revision: 1,
  outcome: 'OUTCOME_FAILED',
  source: 'LABEL_SOURCE_IMPORT',
  author: 'import:gpt-4o-airline.json',
  created_time_unix_nano: '1735689600000000000',
  outcome_fields: {
    double_values: { reward: 0, 'info.reward_info.info.r_actions': 'NaN' },
    string_values: { 'info.source': 'user' },
    int_values: { task_id: '9007199254740993' },
    bool_values: { 'info.flag': true },
    bytes_values: { raw: Buffer.from('hi').toString('base64') },
  },
};

const reviewer = {
  labelId: 'r-1',
  tenant: 'acme',
  sessionKey: 's-1',
  outcome: 1,
  source: LabelSource.LABEL_SOURCE_REVIEWER,
  pattern: { pattern: 'tool_failure', subtype: 'ignored_error' },
  taxonomyVersion: '1',
  evidence: [{ spanId: '00f067aa0ba902b7', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', note: 'carried on after Error:' }],
  objective: { id: 'default', version: 1, contentHash: 'abc' },
};

describe('POST /v1/labels', () => {
  it('takes a JSON array in either field spelling, enums by name or number, and publishes Label messages', async () => {
    const { published, publish } = collector();
    const app = server(publish);
    const response = await app.inject({ method: 'POST', url: '/v1/labels', payload: [imported, reviewer] });
    expect([response.statusCode, response.json()]).toEqual([200, { accepted: 2 }]);
    expect(published).toHaveLength(1);
    // What the sink will decode from the labels topic.
    const [first, second] = published[0]!.map((label) => decodeLabel(encodeLabel(label)));
    expect(first!.toJSON()).toEqual({
      labelId: 'import:gpt-4o-airline/0/0',
      tenant: 'default',
      sessionKey: 'gpt-4o-airline/0/0',
      sessionRevision: 1,
      outcome: 'OUTCOME_FAILED',
      source: 'LABEL_SOURCE_IMPORT',
      author: 'import:gpt-4o-airline.json',
      createdTimeUnixNano: '1735689600000000000',
      outcomeFields: {
        stringValues: { 'info.source': 'user' },
        intValues: { task_id: '9007199254740993' },
        doubleValues: { reward: 0, 'info.reward_info.info.r_actions': 'NaN' },
        boolValues: { 'info.flag': true },
        bytesValues: { raw: Buffer.from('hi').toString('base64') },
      },
    });
    expect([second!.outcome, second!.source, second!.pattern?.subtype, second!.evidence[0]?.spanId, second!.objective?.version]).toEqual([
      Outcome.OUTCOME_PASSED,
      LabelSource.LABEL_SOURCE_REVIEWER,
      'ignored_error',
      '00f067aa0ba902b7',
      1,
    ]);
    // No created time: stamped when received.
    expect(second!.createdTimeUnixNano.toString()).toBe(NOW.toString());
    await app.close();
  });

  it('takes JSON lines and a single object', async () => {
    const { published, publish } = collector();
    const app = server(publish);
    const lines = `${JSON.stringify(imported)}\n\n${JSON.stringify(reviewer)}\n`;
    const ndjson = await app.inject({ method: 'POST', url: '/v1/labels', headers: { 'content-type': 'application/x-ndjson' }, payload: lines });
    expect([ndjson.statusCode, ndjson.json()]).toEqual([200, { accepted: 2 }]);
    const one = await app.inject({ method: 'POST', url: '/v1/labels', payload: reviewer });
    expect([one.statusCode, one.json()]).toEqual([200, { accepted: 1 }]);
    expect(published.map((batch) => batch.map((label) => label.labelId))).toEqual([['import:gpt-4o-airline/0/0', 'r-1'], ['r-1']]);
    await app.close();
  });

  it('refuses the whole request at the first bad label, naming it and the field', async () => {
    const { published, publish } = collector();
    const app = server(publish);
    const cases: [unknown, string | RegExp, string?][] = [
      [[imported, { ...reviewer, outcome: 'OUTCOME_UNSPECIFIED' }], /^label 1: outcome: expected one of OUTCOME_PASSED, OUTCOME_FAILED, OUTCOME_UNSCORED$/],
      [[{ ...reviewer, source: undefined }], /^label 0: source: /],
      [[{ ...reviewer, sessionKey: '' }], /^label 0: sessionKey: /],
      [[{ ...reviewer, reward: 1 }], /^label 0: .*reward/],
      [[{ ...reviewer, evidence: [{ spanId: 'XYZ' }] }], /^label 0: evidence\.0\.spanId: expected 16 lowercase hex characters$/],
      [[{ ...imported, created_time_unix_nano: '-1' }], /^label 0: createdTimeUnixNano: /],
      [[{ ...imported, outcome_fields: { int_values: { n: 1.5 } } }], /^label 0: outcomeFields\.intValues\.n: /],
      [[], 'no labels in the body'],
      [`${JSON.stringify(reviewer)}\n{not json`, /^line 2: not JSON/, 'application/x-ndjson'],
    ];
    for (const [payload, error, type] of cases) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/labels',
        headers: { 'content-type': type ?? 'application/json' },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error).toMatch(error);
    }
    expect(published).toEqual([]);
    await app.close();
  });

  it('answers 503 when the publisher fails, 404 without one', async () => {
    const failing = server(async () => {
      throw new Error('bus full');
    });
    const response = await failing.inject({ method: 'POST', url: '/v1/labels', payload: [reviewer] });
    expect([response.statusCode, response.json()]).toEqual([503, { error: 'bus full' }]);
    await failing.close();
    const none = server();
    expect((await none.inject({ method: 'POST', url: '/v1/labels', payload: [reviewer] })).statusCode).toBe(404);
    await none.close();
  });

  it('takes bodies larger than the SQL limit', async () => {
    const { published, publish } = collector();
    const app = server(publish);
    const many = Array.from({ length: 500 }, (_, i) => ({ ...imported, label_id: `l-${i}`, note: 'x'.repeat(1_000) }));
    const response = await app.inject({ method: 'POST', url: '/v1/labels', payload: many });
    expect([response.statusCode, response.json()]).toEqual([200, { accepted: 500 }]);
    expect(published[0]).toHaveLength(500);
    await app.close();
  });
});
