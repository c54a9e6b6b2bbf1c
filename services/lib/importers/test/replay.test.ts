// Imported sessions through the real ingest normalizer and sessionizer, in-process.
import { readFile } from 'node:fs/promises';
import { CloseReason, StatusCode, StepKind, type SessionRecord } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { loadDataset, toOtlpRequests } from '../src/index.js';
import { replay, replaySessions } from '../src/replay/index.js';
import { AIRLINE, testdata, WHO_AND_WHEN } from './support.js';

function toolSteps(record: SessionRecord) {
  return (record.turns ?? []).flatMap((turn) => turn.steps ?? []).filter((step) => step.kind === StepKind.STEP_KIND_TOOL_CALL);
}

describe('replaySessions', () => {
  it('gives the session records the sessionizer would publish: turns, steps, tool results', async () => {
    const sessions = await loadDataset('openai-messages', testdata('openai-messages.json'), { model: 'gpt-4o' });
    const records = replaySessions(toOtlpRequests(sessions));
    expect(records.map((r) => [r.tenant, r.sessionKey, r.revision, r.closeReason])).toEqual([
      ['default', 'openai-messages/7/2', 1, CloseReason.CLOSE_REASON_END_MARKER],
      ['default', 'openai-messages/1', 1, CloseReason.CLOSE_REASON_END_MARKER],
    ]);
    const [record] = records;
    const summary = record!.summary!;
    expect([summary.spanCount, summary.turnCount, summary.llmCallCount, summary.toolCallCount, summary.toolErrorCount, summary.errorSpanCount]).toEqual([9, 2, 4, 3, 1, 1]);
    expect(summary.models).toEqual(['gpt-4o']);
    expect(summary.firstUserInput).toBe('Cancel reservation ABC123 please.');
    expect(summary.finalOutput).toBe('Reservation ABC123 is cancelled.');
    expect(record!.turns!.map((turn) => [turn.userInput, turn.output, turn.steps!.map((step) => [step.kind, step.name, step.error])])).toEqual([
      [
        'Cancel reservation ABC123 please.',
        'I found ABC123. Shall I cancel it?',
        [
          [StepKind.STEP_KIND_LLM_CALL, 'gpt-4o', false],
          [StepKind.STEP_KIND_TOOL_CALL, 'get_reservation_details', false],
          [StepKind.STEP_KIND_TOOL_CALL, 'get_user_details', true],
          [StepKind.STEP_KIND_LLM_CALL, 'gpt-4o', false],
        ],
      ],
      [
        'Yes.',
        'Reservation ABC123 is cancelled.',
        [
          [StepKind.STEP_KIND_LLM_CALL, 'gpt-4o', false],
          [StepKind.STEP_KIND_TOOL_CALL, 'cancel_reservation', false],
          [StepKind.STEP_KIND_LLM_CALL, 'gpt-4o', false],
        ],
      ],
    ]);
    // The turn's user span is the agent span that received the message.
    expect(record!.turns!.map((turn) => turn.userSpanId)).toEqual([sessions[0]!.messageSpans[1]!.spanId, sessions[0]!.messageSpans[6]!.spanId]);
    // GenAI fields as ingest lifted them.
    const chat = record!.spans.find((span) => span.spanId === sessions[0]!.messageSpans[5]!.spanId)!;
    expect(chat.genAi!.systemInstructions).toBe('You are an airline agent. Never book without confirmation.');
    expect(chat.genAi!.inputMessages!.map((m) => [m.role, m.content ?? '', m.toolCallId ?? '', (m.toolCalls ?? []).map((c) => c.name)])).toEqual([
      ['user', 'Cancel reservation ABC123 please.', '', []],
      ['assistant', '', '', ['get_reservation_details', 'get_user_details']],
      ['tool', '{"reservation_id": "ABC123", "status": "active"}', 'call_1', []],
      ['tool', 'Error: user not found', 'call_2', []],
    ]);
    const tool = record!.spans.find((span) => span.spanId === sessions[0]!.messageSpans[4]!.spanId)!;
    expect([tool.genAi!.toolName, tool.genAi!.toolCallId, tool.genAi!.toolCallArguments, tool.genAi!.toolCallResult, tool.statusCode]).toEqual([
      'get_user_details',
      'call_2',
      '{"user_id":"ann_1"}',
      'Error: user not found',
      StatusCode.STATUS_CODE_ERROR,
    ]);
  });

  it('replays deterministically', async () => {
    const sessions = await loadDataset('who-and-when', testdata('who-and-when'));
    const digests = () => replaySessions(toOtlpRequests(sessions)).map((r) => r.contentDigest);
    const first = digests();
    expect(first).toHaveLength(2);
    expect(digests()).toEqual(first);
  });

  it('tau-bench airline: 200 records -> 200 sessions, 1,164 tool calls, 73 errors, no reward in the span bytes', async () => {
    const sessions = await loadDataset('openai-messages', AIRLINE);
    expect(sessions).toHaveLength(200);
    expect(sessions.filter((s) => s.outcome.outcome === 'passed')).toHaveLength(84);

    const requests = toOtlpRequests(sessions);
    for (const bytes of requests) expect(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('reward')).toBe(false);

    const result = replay(requests);
    expect([result.rejectedSpans, result.digestMismatches]).toEqual([0, 0]);
    const records = result.sessions;
    expect(records.map((r) => r.sessionKey).sort()).toEqual(sessions.map((s) => s.sessionKey).sort());
    expect(new Set(records.map((r) => r.closeReason))).toEqual(new Set([CloseReason.CLOSE_REASON_END_MARKER]));
    for (const record of records) for (const span of record.spans) expect(JSON.stringify(span.attributes)).not.toContain('reward');

    const data = JSON.parse(await readFile(AIRLINE, 'utf8')) as { traj: { role: string }[] }[];
    const sum = (pick: (r: SessionRecord) => number) => records.reduce((total, r) => total + pick(r), 0);
    expect(sum((r) => r.summary!.toolCallCount!)).toBe(1_164);
    expect(sum((r) => r.summary!.errorSpanCount!)).toBe(73);
    expect(sum((r) => r.summary!.turnCount!)).toBe(data.reduce((n, r) => n + r.traj.filter((m) => m.role === 'user').length, 0));
    expect(sum((r) => r.summary!.llmCallCount!)).toBe(data.reduce((n, r) => n + r.traj.filter((m) => m.role === 'assistant').length, 0));
    // A tool step is an error exactly when its span failed (73). tau-bench reuses call ids within a
    // session: a tool span without a result of its own must not take an earlier call's answer.
    let failedSteps = 0;
    for (const record of records) {
      const spans = new Map(record.spans.map((span) => [span.spanId, span]));
      for (const step of toolSteps(record)) {
        const span = spans.get(step.spanId!)!;
        const failed = span.statusCode === StatusCode.STATUS_CODE_ERROR;
        if (failed) failedSteps++;
        expect(step.error).toBe(failed);
      }
    }
    expect(failedSteps).toBe(73);
    expect(sum((r) => r.summary!.toolErrorCount!)).toBe(73);
  });

  it('who-and-when: 126 sessions, the labelled mistake step a span of its session spoken by the step\'s agent', async () => {
    const sessions = await loadDataset('who-and-when', WHO_AND_WHEN);
    expect(sessions).toHaveLength(126);
    const records = new Map(replaySessions(toOtlpRequests(sessions)).map((r) => [r.sessionKey, r]));
    expect(records.size).toBe(126);
    let namesLabelledAgent = 0;
    for (const session of sessions) {
      const record = records.get(session.sessionKey)!;
      expect(record.summary!.turnCount).toBe(1);
      const file = JSON.parse(await readFile(`${WHO_AND_WHEN}/${session.sessionKey.split('/')[1]}.json`, 'utf8')) as { history: { name: string }[] };
      const step = Number(session.outcome.fields.mistake_step);
      const span = record.spans.find((s) => s.spanId === session.messageSpans[step]!.spanId)!;
      expect(span.genAi!.agentName).toBe(file.history[step]!.name);
      if (span.genAi!.agentName === session.outcome.fields.mistake_agent) namesLabelledAgent++;
      expect(JSON.stringify(record.spans)).not.toContain(String(session.outcome.fields.mistake_reason));
    }
    // Three labels name another agent than the one speaking at the labelled step (15, 59, 14).
    expect(namesLabelledAgent).toBe(123);
  });
});
