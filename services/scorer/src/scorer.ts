// The scorer component: consumes session records in a consumer group, scores each against the
// objectives that select it, publishes score records and review items, then commits.
import { NotAssignedError, type Bus, type BusBatch, type BusConsumer, type OutgoingMessage, type TopicPartition } from '@tracebar/bus';
import type { ClickHouse } from '@tracebar/clickhouse';
import type { TracebarConfig } from '@tracebar/config';
import { DEFAULT_OBJECTIVE_EVALUATORS, evaluatorTypes, SESSION_VIEW_ATTRIBUTE_KEYS, type EvaluatorType } from '@tracebar/evaluators';
import { loadObjectives, loadTaxonomy, recordObjectives, type ObjectiveSet } from '@tracebar/objectives';
import { alertToJsonLine, encodeScoreRecord, recordHeaders, reviewItemToJsonLine, sessionRecordKey, topicCatalog } from '@tracebar/proto';
import { groupMemberReadiness, type Component, type Logger, type Registry } from '@tracebar/runtime';
import { Baselines } from './baselines.js';
import { resolveScorerSettings, type ScorerSettings } from './config.js';
import { createScorerMetrics } from './metrics.js';
import { scoreSession, type ScoringContext, type SessionScoring } from './score-session.js';
import { AttributeKeys, type ScoringRecord } from './scoring-record.js';
import { sessionAlert } from './session-alert.js';
import { PartitionParts, type CompleteSession } from './session-parts.js';

export interface ScorerDeps {
  config: TracebarConfig;
  /** The bus, or a getter for one that exists only once another component started. */
  bus: Bus | (() => Bus);
  logger: Logger;
  registry: Registry;
  /** Where objective versions are recorded (the objectives table); absent: not recorded. */
  store?: () => ClickHouse;
  /** For llm_judge evaluators. Default: the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Wall clock, ms (tests). */
  now?: () => number;
}

export interface ScorerStats {
  sessionsScored: number;
  scoreRecords: number;
  reviewItems: number;
  alerts: number;
  malformed: number;
  pendingParts: number;
}

export interface Scorer extends Component {
  readonly settings: ScorerSettings;
  /** The objectives in force, once started. */
  objectives(): ObjectiveSet;
  /** Resolves once the consumer holds its first assignment (start itself returns at once on Kafka). */
  subscribed(): Promise<void>;
  stats(): ScorerStats;
}

const scoreHeaders = Object.freeze(recordHeaders(topicCatalog.scores));
const reviewHeaders = Object.freeze(recordHeaders(topicCatalog.review));
const alertHeaders = Object.freeze(recordHeaders(topicCatalog.alerts));

/** Runs fn over items with at most `limit` in flight. */
async function pooled<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function createScorer(deps: ScorerDeps): Scorer {
  const settings = resolveScorerSettings(deps.config);
  const log = deps.logger.child({ component: 'scorer' });
  const now = deps.now ?? Date.now;
  const parts = new Map<number, PartitionParts>();
  const metrics = createScorerMetrics(deps.registry, () => {
    let sessions = 0;
    let bytes = 0;
    for (const p of parts.values()) {
      sessions += p.size;
      bytes += p.bytes;
    }
    return { sessions, bytes };
  });
  const stats: Omit<ScorerStats, 'pendingParts'> = { sessionsScored: 0, scoreRecords: 0, reviewItems: 0, alerts: 0, malformed: 0 };
  const toCommit = new Map<number, number>();
  let context: ScoringContext | undefined;
  /** Attributes read from each span: the view's and those objective selectors name (set at start). */
  let attributeKeys = new AttributeKeys(SESSION_VIEW_ATTRIBUTE_KEYS);
  let objectiveSet: ObjectiveSet | undefined;
  let bus: Bus | undefined;
  let consumer: BusConsumer | undefined;
  let subscribing: Promise<void> | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let committing: Promise<void> | undefined;
  /** The batch being scored, so that shutdown can wait for it before the last commit. */
  let inFlight: Promise<void> | undefined;
  let lastCommitMs = 0;
  let stopping = false;
  let shutdownPromise: Promise<void> | undefined;

  function loadContext(): ScoringContext {
    const { taxonomy, source } = loadTaxonomy(settings.taxonomyFile);
    const evaluators = evaluatorTypes as ReadonlyMap<string, EvaluatorType>;
    objectiveSet = loadObjectives({ dir: settings.objectivesDir, evaluators, defaultEvaluators: DEFAULT_OBJECTIVE_EVALUATORS });
    log.info(
      { taxonomy: `${taxonomy.version} (${source})`, objectives: objectiveSet.active.map((o) => `${o.id}@${o.version}`), fallback: `${objectiveSet.fallback.id}@${objectiveSet.fallback.version}` },
      'objectives loaded',
    );
    return {
      objectives: objectiveSet,
      evaluators,
      deps: { fetch: deps.fetch ?? globalThis.fetch, modelWindows: settings.modelWindows, ...(settings.judge ? { judge: settings.judge } : {}), ...(settings.embeddings ? { embeddings: settings.embeddings } : {}), now },
      timeoutMs: settings.evaluatorTimeoutMs,
      reviewThreshold: settings.reviewThreshold,
      taxonomyVersion: taxonomy.version,
      baselines: new Baselines(),
    };
  }

  function partsOf(partition: number): PartitionParts {
    let p = parts.get(partition);
    if (!p) {
      p = new PartitionParts(attributeKeys);
      parts.set(partition, p);
    }
    return p;
  }

  function messagesOf(scorings: readonly SessionScoring[]): { scores: OutgoingMessage[]; reviews: OutgoingMessage[]; alerts: OutgoingMessage[] } {
    const scores: OutgoingMessage[] = [];
    const reviews: OutgoingMessage[] = [];
    const alerts: OutgoingMessage[] = [];
    for (const scoring of scorings) {
      for (const result of scoring.results) {
        const key = sessionRecordKey(result.score.tenant ?? '', result.score.sessionKey ?? '');
        const encoded = encodeScoreRecord(result.score);
        // A view of the encoder's bytes, not a copy.
        scores.push({ key, value: Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength), headers: scoreHeaders });
        if (!result.review) continue;
        reviews.push({ key, value: Buffer.from(reviewItemToJsonLine(result.review)), headers: reviewHeaders });
        const alert = settings.alertPriority === undefined ? undefined : sessionAlert(result.review, settings.alertPriority);
        // Keyed by tenant + alert id (alert.proto).
        if (alert) alerts.push({ key: `${alert.tenant ?? ''}/${alert.alertId ?? ''}`, value: Buffer.from(alertToJsonLine(alert)), headers: alertHeaders });
      }
    }
    return { scores, reviews, alerts };
  }

  async function commitNow(): Promise<void> {
    if (!consumer || toCommit.size === 0) return;
    const owned = new Set(consumer.assignment().filter((tp) => tp.topic === settings.sessionsTopic).map((tp) => tp.partition));
    const offsets = [...toCommit].filter(([partition]) => owned.has(partition)).map(([partition, offset]) => ({ topic: settings.sessionsTopic, partition, offset }));
    toCommit.clear();
    lastCommitMs = now();
    if (offsets.length === 0) return;
    try {
      await consumer.commit(offsets);
    } catch (error) {
      if (!(error instanceof NotAssignedError)) log.warn({ err: error }, 'offset commit failed; retrying on the next batch');
      for (const o of offsets) if (!toCommit.has(o.partition)) toCommit.set(o.partition, o.offset);
    }
  }

  function commitSoon(force: boolean): Promise<void> {
    if (!force && now() - lastCommitMs < settings.commitIntervalMs) return Promise.resolve();
    committing ??= commitNow().finally(() => {
      committing = undefined;
    });
    return committing;
  }

  async function handle(batch: BusBatch, target: Bus): Promise<void> {
    if (stopping || batch.topic !== settings.sessionsTopic || !context) return;
    const ctx = context;
    const partition = partsOf(batch.partition);
    const complete: Array<{ session: CompleteSession; offset: number }> = [];
    const began = now();
    const skipped = (offset: number, reason: string) => {
      stats.malformed++;
      metrics.malformed();
      log.warn({ partition: batch.partition, offset, reason }, 'session record skipped: cannot be decoded or joined');
    };
    for (const record of batch.records) {
      const outcome = partition.add(record.value, record.offset, began);
      if (outcome.kind === 'complete') complete.push({ session: outcome.session, offset: record.offset });
      else if (outcome.kind === 'malformed') skipped(record.offset, outcome.reason);
    }
    const expired = partition.expire(began, settings.partsTimeoutMs);
    if (expired > 0) metrics.partsExpired(expired);
    // Each worker decodes its session just before scoring it: at most `concurrency` decoded at once.
    const results = await pooled(complete, settings.concurrency, async ({ session, offset }) => {
      let record: ScoringRecord;
      try {
        record = partition.decode(session);
      } catch (error) {
        skipped(offset, error instanceof Error ? error.message : String(error));
        return undefined;
      }
      const started = performance.now();
      const scoring = await scoreSession(record, ctx);
      metrics.scored(scoring, (performance.now() - started) / 1_000);
      return scoring;
    });
    const scorings = results.filter((scoring) => scoring !== undefined);
    const { scores, reviews, alerts } = messagesOf(scorings);
    // Scores first: a review item or an alert never points at a score the store may not get.
    if (scores.length > 0) await target.publish(settings.scoresTopic, scores);
    if (reviews.length > 0) await target.publish(settings.reviewTopic, reviews);
    if (alerts.length > 0) await target.publish(settings.alertsTopic, alerts);
    stats.sessionsScored += scorings.length;
    stats.scoreRecords += scores.length;
    stats.reviewItems += reviews.length;
    stats.alerts += alerts.length;
    metrics.published(scores.length, reviews.length, alerts.length);
    toCommit.set(batch.partition, partition.holdOffset() ?? batch.nextOffset);
    await commitSoon(false);
  }

  const sessionsOnly = (partitions: readonly TopicPartition[]) => partitions.filter((tp) => tp.topic === settings.sessionsTopic);

  async function subscribe(target: Bus): Promise<void> {
    consumer = await target.subscribe({
      group: settings.consumerGroup,
      topics: [settings.sessionsTopic],
      handler: (batch) => {
        const handling = handle(batch, target);
        inFlight = handling.catch(() => undefined);
        return handling;
      },
      onAssigned: (partitions) => {
        for (const tp of sessionsOnly(partitions)) parts.set(tp.partition, new PartitionParts(attributeKeys));
        log.info({ partitions: sessionsOnly(partitions).map((tp) => tp.partition) }, 'partitions assigned');
      },
      // Parts waiting for their session are dropped: the next owner re-reads them from the commit.
      onRevoked: (partitions) => {
        for (const tp of sessionsOnly(partitions)) {
          parts.delete(tp.partition);
          toCommit.delete(tp.partition);
        }
        log.info({ partitions: sessionsOnly(partitions).map((tp) => tp.partition) }, 'partitions revoked');
      },
      onError: (error) => log.warn({ err: error }, 'sessions batch failed; it will be redelivered'),
    });
    if (stopping) return;
    ticker = setInterval(() => {
      if (!stopping) commitSoon(false).catch((error: unknown) => log.warn({ err: error }, 'offset commit failed'));
    }, Math.max(50, settings.commitIntervalMs));
    ticker.unref();
    log.info({ group: settings.consumerGroup, topic: settings.sessionsTopic }, 'scorer consuming');
  }

  const readiness = groupMemberReadiness('scorer', () => ({ stopping, member: consumer }));

  return {
    name: 'scorer',
    settings,
    readiness,
    objectives() {
      if (!objectiveSet) throw new Error('the scorer is not started');
      return objectiveSet;
    },
    async start() {
      if (subscribing || stopping) return;
      context = loadContext();
      attributeKeys = new AttributeKeys([...SESSION_VIEW_ATTRIBUTE_KEYS, ...context.objectives.selectorKeys]);
      const store = deps.store?.();
      if (store) {
        const { recorded } = await recordObjectives(store, context.objectives.all);
        if (recorded > 0) log.info({ recorded }, 'new objective versions recorded');
      }
      bus = typeof deps.bus === 'function' ? deps.bus() : deps.bus;
      subscribing = subscribe(bus);
      if (bus.kind === 'memory') {
        await subscribing;
        return;
      }
      subscribing.catch((error: unknown) => log.error({ err: error }, 'scorer could not join its consumer group'));
    },
    subscribed() {
      return subscribing ?? Promise.reject(new Error('the scorer is not started'));
    },
    stats: () => ({ ...stats, pendingParts: [...parts.values()].reduce((sum, p) => sum + p.size, 0) }),
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
        // The batch in flight finishes and what it published is committed; parts of split
        // sessions still waiting are not (the next owner re-reads them).
        await inFlight;
        try {
          await commitSoon(true);
        } catch (error) {
          log.warn({ err: error }, 'final commit failed; the next owner re-scores from the last commit');
        }
        await member.close({ commitDelivered: false });
        log.info(stats, 'scorer stopped');
      })();
      return shutdownPromise;
    },
  };
}
