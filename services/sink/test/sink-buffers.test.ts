import type { BusRecord } from '@tracebar/bus';
import { describe, expect, it } from 'vitest';
import { SinkBuffers, type DecodedRecord } from '../src/batching/sink-buffers.js';

const record = (topic: string, offset: number): DecodedRecord => {
  const busRecord: BusRecord = { topic, partition: 0, offset, timestamp: 1_000 + offset, key: Buffer.from('k'), value: Buffer.from('v'), headers: {} };
  return { record: busRecord, rows: [{ table: 'verdicts', lines: ['{}'] }] };
};

describe('sink buffers', () => {
  it('let each topic wait its own flush interval', () => {
    const buffers = new SinkBuffers({
      maxBatchRows: 1_000,
      maxBatchBytes: 1 << 20,
      flushIntervalMs: 1_000,
      topicFlushIntervalMs: { scores: 250 },
      maxBufferedBytes: 1 << 30,
      replayTimeoutMs: 30_000,
    });
    buffers.setReplayLog('spans', 0, []);
    buffers.setReplayLog('scores', 0, []);
    buffers.add('spans', 0, [record('spans', 0)], 0);
    buffers.add('scores', 0, [record('scores', 0)], 0);
    expect(buffers.nextDueIn(100)).toBe(150);
    expect(buffers.takeDue(249, false)).toEqual([]);
    expect(buffers.takeDue(250, false).map((r) => r.topic)).toEqual(['scores']);
    expect(buffers.nextDueIn(250)).toBe(750);
    expect(buffers.takeDue(999, false)).toEqual([]);
    expect(buffers.takeDue(1_000, false).map((r) => r.topic)).toEqual(['spans']);
    expect(buffers.nextDueIn(1_000)).toBeUndefined();
  });

  it('write ranges at the next multiple of the interval: partitions opened apart fall due together', () => {
    const buffers = new SinkBuffers({ maxBatchRows: 1_000, maxBatchBytes: 1 << 20, flushIntervalMs: 1_000, maxBufferedBytes: 1 << 30, replayTimeoutMs: 30_000 });
    for (const [partition, at] of [[0, 1_100], [1, 1_700], [2, 1_999]] as const) {
      buffers.setReplayLog('spans', partition, []);
      buffers.add('spans', partition, [record('spans', 0)], at);
    }
    expect(buffers.nextDueIn(1_999)).toBe(1);
    expect(buffers.takeDue(1_999, false)).toEqual([]);
    expect(buffers.takeDue(2_000, false).map((r) => r.partition)).toEqual([0, 1, 2]);
  });

  it('hand out the topics with the shorter interval first when several are due', () => {
    const buffers = new SinkBuffers({ maxBatchRows: 1_000, maxBatchBytes: 1 << 20, flushIntervalMs: 1_000, topicFlushIntervalMs: { scores: 250 }, maxBufferedBytes: 1 << 30, replayTimeoutMs: 30_000 });
    for (const topic of ['spans', 'scores', 'sessions']) {
      buffers.setReplayLog(topic, 0, []);
      buffers.add(topic, 0, [record(topic, 0)], 0);
    }
    expect(buffers.takeDue(5_000, false).map((r) => r.topic)).toEqual(['scores', 'spans', 'sessions']);
  });
});
