// Progress output: a bar redrawn in place on a terminal, throttled plain lines otherwise.
import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/progress.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 200, write: (text: string) => writes.push(text) } };
}

describe('progress', () => {
  it('redraws one bar line on a terminal and ends it with a newline', () => {
    let clock = 0;
    const { writes, stream: out } = stream(true);
    const progress = createProgress({ total: 4, unit: 'sessions', label: 'import', stream: out, now: () => clock });
    progress.update(1, '10 spans');
    clock = 50;
    progress.update(2, '20 spans'); // within the redraw interval: skipped
    clock = 200;
    progress.update(3, '30 spans');
    clock = 1_500;
    progress.update(4, '40 spans');
    progress.finish('40 spans');
    expect(writes.every((text) => text === '\n' || text.startsWith('\r['))).toBe(true);
    expect(writes).toHaveLength(5); // updates 1, 3 and 4, the final redraw, the newline
    expect(writes[0]).toBe('\r[########......................] 1/4 sessions (25%), 10 spans, 0.0 s\x1b[K');
    expect(writes[2]).toBe('\r[##############################] 4/4 sessions (100%), 40 spans, 1.5 s\x1b[K');
    expect(writes[3]).toBe(writes[2]);
    expect(writes[4]).toBe('\n');
  });

  it('writes plain lines at most once per interval off a terminal, and the final state once', () => {
    let clock = 0;
    const { writes, stream: out } = stream(false);
    const progress = createProgress({ total: 3, unit: 'sessions', label: 'import', stream: out, now: () => clock, intervalMs: 1_000 });
    progress.update(1);
    clock = 500;
    progress.update(2);
    clock = 1_200;
    progress.update(3);
    progress.finish();
    progress.finish();
    expect(writes).toEqual(['import: 1/3 sessions (33%), 0.0 s\n', 'import: 3/3 sessions (100%), 1.2 s\n']);
  });
});
