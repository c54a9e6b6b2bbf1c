// Everything the sessionizer holds for one spans partition, and the offset it may commit.
import { PartitionClock } from './partition-clock.js';
import type { SessionState } from './session-state.js';

/** The offset range of a session no longer in memory, kept until the commit has passed it. */
interface Ghost {
  first: number;
  last: number;
}

export class PartitionState {
  readonly id: number;
  /**
   * Sessions in memory (open, and closed ones remembered for revisions), in the order of their
   * first span's offset: a session is inserted when its first span is read and never moves.
   */
  readonly sessions = new Map<string, SessionState>();
  readonly clock = new PartitionClock();
  ghosts: Ghost[] = [];
  /** Offset after the last record absorbed; -1 before the first batch. */
  nextOffset = -1;
  /** Last offset committed (or handed out for committing); -1 when none. */
  committed = -1;
  /** Wall time (ms) of the last batch, or of the assignment: silence is measured from it. */
  lastActivityMs: number;
  /**
   * Lower bounds: no session can change state before processing time reaches nextCheckNs or
   * event time reaches nextEventCheckNs, so a batch that moves neither skips the scan.
   */
  nextCheckNs = -Infinity;
  nextEventCheckNs = -Infinity;

  constructor(id: number, nowMs: number) {
    this.id = id;
    this.lastActivityMs = nowMs;
  }

  forget(session: SessionState): void {
    this.sessions.delete(session.key);
    this.ghosts.push({ first: session.firstOffset, last: session.lastOffset });
  }

  /**
   * The offset a restart may resume from: the first span of the oldest session in memory, or the
   * next offset when there is none, moved down so that it never falls inside the span range of
   * a session already forgotten (a restart there would see that session's tail as a new one).
   */
  commitFloor(): number | undefined {
    if (this.nextOffset < 0) return undefined;
    let floor = this.nextOffset;
    for (const session of this.sessions.values()) {
      floor = Math.min(floor, session.firstOffset);
      break;
    }
    for (let moved = true; moved; ) {
      moved = false;
      for (const ghost of this.ghosts) {
        if (ghost.first < floor && floor <= ghost.last) {
          floor = ghost.first;
          moved = true;
        }
      }
    }
    if (this.ghosts.length > 0) this.ghosts = this.ghosts.filter((ghost) => ghost.last >= floor);
    return floor;
  }
}
