// The sessionizer component: consumes the spans topic in a consumer group, feeds the core,
// publishes closed sessions, and commits each partition only as far as a restart may resume.
import { NotAssignedError, type Bus, type BusBatch, type BusConsumer, type TopicPartition } from '@tracebar/bus';
import type { TracebarConfig } from '@tracebar/config';
import { groupMemberReadiness, type Component, type Logger, type Registry } from '@tracebar/runtime';
import { createSessionizerMetrics } from './metrics.js';
import { Mutex } from './mutex.js';
import { publishSessions } from './publish-sessions.js';
import { createSessionizerCore, type CoreStats, type Emission } from './sessionizer-core.js';
import { resolveSettings, type SessionizerSettings } from './config.js';

export interface SessionizerDeps {
  config: TracebarConfig;
  /** The bus, or a getter for one that exists only once another component started. */
  bus: Bus | (() => Bus);
  logger: Logger;
  registry: Registry;
  /** Wall clock, ms (tests). */
  now?: () => number;
}

export interface Sessionizer extends Component {
  readonly settings: SessionizerSettings;
  /** Resolves once the consumer holds its first assignment (start itself returns at once). */
  subscribed(): Promise<void>;
  stats(): CoreStats;
}

/** How often silent partitions, pending publishes and commits are looked at. */
function tickInterval(settings: SessionizerSettings): number {
  const shortest = Math.min(settings.latenessMs, settings.idleGapNs / 1_000_000, settings.commitIntervalMs || Infinity);
  return Math.min(1_000, Math.max(10, Math.floor(shortest / 4)));
}

export function createSessionizer(deps: SessionizerDeps): Sessionizer {
  const settings = resolveSettings(deps.config);
  const log = deps.logger.child({ component: 'sessionizer' });
  const now = deps.now ?? Date.now;
  // The gauges read the core at scrape time; the core reports to the counters.
  const metrics = createSessionizerMetrics(deps.registry, () => core.stats());
  const core = createSessionizerCore(settings, metrics);
  const mutex = new Mutex();
  let bus: Bus | undefined;
  let consumer: BusConsumer | undefined;
  let subscribing: Promise<void> | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let stopping = false;
  let shutdownPromise: Promise<void> | undefined;
  /** Closed sessions not yet acknowledged by the bus, in close order. */
  let unpublished: Emission[] = [];
  let lastCommitMs = 0;
  /**
   * End of the last stretch in which this instance could not read (a slow publish, a failing
   * bus): partitions are not called silent for time they could not have delivered in.
   */
  let quietSinceMs = 0;

  /** Publishes what closed, then commits: never an offset past a session not yet durable. */
  async function flush(forceCommit: boolean): Promise<void> {
    unpublished.push(...core.takeEmissions());
    if (unpublished.length > 0 && bus) {
      const began = performance.now();
      const outcome = await publishSessions(bus, settings.sessionsTopic, unpublished, settings.publishChunkBytes);
      metrics.published(outcome.records, (performance.now() - began) / 1_000);
      if (outcome.tooLarge > 0) {
        metrics.recordsDropped('too_large', outcome.tooLarge);
        log.error({ records: outcome.tooLarge, topic: settings.sessionsTopic }, 'session records over the topic message limit were dropped');
      }
      unpublished = [];
    }
    if (!consumer || (!forceCommit && now() - lastCommitMs < settings.commitIntervalMs)) return;
    const owned = new Set(consumer.assignment().filter((tp) => tp.topic === settings.spansTopic).map((tp) => tp.partition));
    const offsets = core.pendingCommits().filter((c) => owned.has(c.partition));
    lastCommitMs = now();
    if (offsets.length === 0) return;
    try {
      await consumer.commit(offsets.map((c) => ({ topic: settings.spansTopic, partition: c.partition, offset: c.offset })));
      core.markCommitted(offsets);
      metrics.committed(offsets.length);
    } catch (error) {
      // A partition moved away meanwhile, or the group is rebalancing: its next owner resumes
      // from the previous commit and re-reads a little more.
      if (!(error instanceof NotAssignedError)) log.warn({ err: error }, 'offset commit failed; retrying on the next batch');
    }
  }

  async function handle(batch: BusBatch): Promise<void> {
    if (stopping || batch.topic !== settings.spansTopic) return;
    const began = now();
    if (!core.owns(batch.partition)) core.assign(batch.partition, began);
    core.absorb(batch.partition, batch.records, began);
    try {
      await flush(false);
    } catch (error) {
      quietSinceMs = now();
      throw error;
    }
    const ended = now();
    if (ended - began > settings.latenessMs / 2) quietSinceMs = ended;
  }

  function tick(): void {
    if (stopping || mutex.busy || !consumer?.isReady()) return;
    mutex
      .run(async () => {
        if (stopping) return;
        core.extendSilent(now(), quietSinceMs);
        await flush(false);
      })
      .catch((error: unknown) => {
        quietSinceMs = now();
        log.warn({ err: error }, 'publishing closed sessions failed; retrying');
      });
  }

  const spansOnly = (partitions: readonly TopicPartition[]) => partitions.filter((tp) => tp.topic === settings.spansTopic);

  async function subscribe(target: Bus): Promise<void> {
    consumer = await target.subscribe({
      group: settings.consumerGroup,
      topics: [settings.spansTopic],
      handler: (batch) => mutex.run(() => handle(batch)),
      onAssigned: (partitions) =>
        mutex.run(() => {
          for (const tp of spansOnly(partitions)) core.assign(tp.partition, now());
          log.info({ partitions: spansOnly(partitions).map((tp) => tp.partition) }, 'partitions assigned');
        }),
      // Open sessions are dropped, not emitted: the next owner re-reads them from the commit.
      onRevoked: (partitions) =>
        mutex.run(() => {
          for (const tp of spansOnly(partitions)) core.revoke(tp.partition);
          log.info({ partitions: spansOnly(partitions).map((tp) => tp.partition) }, 'partitions revoked');
        }),
      onError: (error) => log.warn({ err: error }, 'spans batch failed; it will be redelivered'),
    });
    if (stopping) return;
    ticker = setInterval(tick, tickInterval(settings));
    ticker.unref();
    log.info({ group: settings.consumerGroup, topic: settings.spansTopic }, 'sessionizer consuming');
  }

  const readiness = groupMemberReadiness('sessionizer', () => ({ stopping, member: consumer }));

  return {
    name: 'sessionizer',
    settings,
    readiness,
    // On Kafka, returns at once: joining the group can take a session timeout (a dead member's
    // partitions wait for it); readiness says when the instance consumes. The in-process bus
    // keeps a topic's records for a group only from its first subscribe on, so there start waits
    // for it (it is immediate), and producers started after this component lose nothing.
    async start() {
      if (subscribing || stopping) return;
      bus = typeof deps.bus === 'function' ? deps.bus() : deps.bus;
      subscribing = subscribe(bus);
      if (bus.kind === 'memory') {
        await subscribing;
        return;
      }
      subscribing.catch((error: unknown) => log.error({ err: error }, 'sessionizer could not join its consumer group'));
    },
    subscribed() {
      return subscribing ?? Promise.reject(new Error('the sessionizer is not started'));
    },
    stats: () => core.stats(),
    shutdown(deadline) {
      shutdownPromise ??= (async () => {
        stopping = true;
        clearInterval(ticker);
        if (subscribing) {
          const aborted = new Promise<void>((resolve) => {
            if (deadline.aborted) resolve();
            deadline.addEventListener('abort', () => resolve(), { once: true });
          });
          await Promise.race([subscribing.catch(() => undefined), aborted]);
        }
        const member = consumer;
        if (!member) return;
        // Finish in-flight work: the current batch, then what it closed; never emit open
        // sessions (a restart re-reads them and must not find a different revision 1 out).
        await mutex.run(async () => {
          try {
            await flush(true);
          } catch (error) {
            log.warn({ err: error }, 'final publish or commit failed; the next owner re-reads from the last commit');
          }
        });
        await member.close({ commitDelivered: false });
        log.info(core.stats(), 'sessionizer stopped');
      })();
      return shutdownPromise;
    },
  };
}
