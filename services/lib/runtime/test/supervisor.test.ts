import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createSupervisor, type Component } from '../src/index.js';

const silent = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

function recording(name: string, events: string[], behaviour: { failStart?: boolean; hang?: boolean } = {}): Component {
  return {
    name,
    async start() {
      if (behaviour.failStart) throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
    },
    async shutdown(deadline) {
      if (behaviour.hang) {
        await new Promise((resolve) => deadline.addEventListener('abort', resolve, { once: true }));
        return;
      }
      events.push(`stop ${name}`);
    },
  };
}

describe('supervisor', () => {
  it('starts in order and stops in reverse, once', async () => {
    const events: string[] = [];
    const supervisor = createSupervisor([recording('store', events), recording('bus', events), recording('admin', events)], silent);
    await supervisor.start();
    const [first, second] = await Promise.all([supervisor.shutdown(1_000), supervisor.shutdown(1_000)]);
    expect(events).toEqual(['start store', 'start bus', 'start admin', 'stop admin', 'stop bus', 'stop store']);
    expect(first).toEqual({ timedOut: false });
    expect(second).toBe(first);
  });

  it('stops what started when a later component fails to start', async () => {
    const events: string[] = [];
    const supervisor = createSupervisor([recording('store', events), recording('bus', events, { failStart: true }), recording('admin', events)], silent);
    await expect(supervisor.start()).rejects.toThrow('bus cannot start');
    expect(events).toEqual(['start store', 'stop store']);
  });

  it('keeps going past a component that outlives the deadline', async () => {
    const events: string[] = [];
    const supervisor = createSupervisor([recording('store', events), recording('stuck', events, { hang: true })], silent);
    await supervisor.start();
    const began = Date.now();
    const result = await supervisor.shutdown(100);
    expect(result.timedOut).toBe(true);
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(events).toContain('stop store');
  });
});
