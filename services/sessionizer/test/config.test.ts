// The sessionizer's config section: the example in testdata parses, settings are resolved from it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@tracebar/config';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/config.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('sessionizer config', () => {
  it('parses the scale-out example and resolves it to settings', () => {
    const { config } = loadConfig({ file: path.resolve(here, '../testdata/sessionizer.yaml'), env: {} });
    const settings = resolveSettings(config);
    expect(settings).toMatchObject({
      spansTopic: 'tracebar.spans.v1',
      sessionsTopic: 'tracebar.sessions.v1',
      consumerGroup: 'tracebar-sessionizer-eu',
      idleGapNs: 90e9,
      latenessNs: 10e9,
      latenessMs: 10_000,
      revisionWindowNs: 900e9,
      maxDurationNs: 4 * 3_600e9,
      maxSpans: 20_000,
      maxSessionBytes: 64 * 1_048_576,
      maxOpenSessions: 250_000,
      maxOpenBytes: 3 * 1_073_741_824,
      maxTextLength: 2_000,
      commitIntervalMs: 2_000,
      sessionsMaxMessageBytes: 4 * 1_048_576,
    });
    expect([...settings.idleGapByServiceNs]).toEqual([
      ['support-bot', 600e9],
      ['batch-eval', 5e9],
    ]);
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it('rejects an unknown key and a bad duration, naming them', () => {
    expect(() => loadConfig({ file: path.resolve(here, '../testdata/sessionizer.yaml'), env: { TRACEBAR_SESSIONIZER__IDLE_GAP: '1s' } })).toThrow(/sessionizer\.idleGap/);
    expect(() => loadConfig({ file: path.resolve(here, '../testdata/sessionizer.yaml'), env: { TRACEBAR_SESSIONIZER__IDLE_GAP_MS: 'soon' } })).toThrow(/sessionizer\.idleGapMs/);
  });
});
