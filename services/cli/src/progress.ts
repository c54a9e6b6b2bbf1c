// Progress of a long command on stderr: a bar redrawn in place on a terminal; otherwise (a
// pipe, a CI log) a plain line now and then, so logs stay readable and grep-able.

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Units of work in all ("sessions"). */
  total: number;
  unit: string;
  /** Prefix of plain lines ("import"). */
  label: string;
  stream: ProgressStream;
  /** Plain-line mode: at most one line per this interval (the last update always prints). */
  intervalMs?: number;
  /** Bar mode: redraws at most this often. */
  redrawMs?: number;
  now?: () => number;
}

export interface Progress {
  /** Sets how many units are done, with an optional note ("4,012 spans"). */
  update(done: number, note?: string): void;
  /** Final state; ends the bar's line. */
  finish(note?: string): void;
}

const BAR_WIDTH = 30;

function seconds(ms: number): string {
  return `${(ms / 1_000).toFixed(1)} s`;
}

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const began = now();
  const tty = options.stream.isTTY === true;
  const intervalMs = options.intervalMs ?? 2_000;
  const redrawMs = options.redrawMs ?? 100;
  let lastShown = -Infinity;
  let finished = false;
  const total = Math.max(options.total, 0);

  const describe = (done: number, note: string | undefined): string => {
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    return `${done}/${total} ${options.unit} (${percent}%)${note ? `, ${note}` : ''}, ${seconds(now() - began)}`;
  };

  let shownState = '';
  const draw = (done: number, note: string | undefined, force: boolean): void => {
    const at = now();
    if (!force && at - lastShown < (tty ? redrawMs : intervalMs)) return;
    const state = `${done}|${note ?? ''}`;
    // A plain log does not repeat a line for the same state (the last update and finish).
    if (!tty && force && state === shownState) return;
    lastShown = at;
    shownState = state;
    if (tty) {
      const filled = total === 0 ? BAR_WIDTH : Math.round((Math.min(done, total) / total) * BAR_WIDTH);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${describe(done, note)}`;
      const width = options.stream.columns ?? 120;
      // \r back to the start, the line cut to the terminal, the rest of the old line cleared.
      options.stream.write(`\r${line.slice(0, Math.max(width - 1, 10))}\x1b[K`);
    } else {
      options.stream.write(`${options.label}: ${describe(done, note)}\n`);
    }
  };

  let current = 0;
  return {
    update(done, note) {
      if (finished) return;
      current = done;
      draw(done, note, false);
    },
    finish(note) {
      if (finished) return;
      finished = true;
      draw(current, note, true);
      if (tty) options.stream.write('\n');
    },
  };
}
