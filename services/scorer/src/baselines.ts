// Rolling session-shape baselines per tenant and objective, in memory (each instance learns its
// own; a restart starts afresh). Bounded: the least recently used is forgotten at the cap.
import { RollingBaseline } from '@tracebar/evaluators';

export class Baselines {
  private readonly entries = new Map<string, RollingBaseline>();

  constructor(private readonly capacity = 10_000) {}

  get(tenant: string, objectiveId: string): RollingBaseline {
    const key = `${tenant}\u0000${objectiveId}`;
    let baseline = this.entries.get(key);
    if (baseline) {
      // Re-insert: Map order is the recency order.
      this.entries.delete(key);
    } else {
      baseline = new RollingBaseline();
      if (this.entries.size >= this.capacity) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    this.entries.set(key, baseline);
    return baseline;
  }
}
