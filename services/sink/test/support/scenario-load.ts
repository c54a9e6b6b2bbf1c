import type { Bus } from '@tracebar/bus';
import { createMemoryBus } from '@tracebar/bus';
import type { ClickHouse } from '@tracebar/clickhouse';
import type { TracebarConfig } from '@tracebar/config';
import { scenario, type ScenarioMessages } from './scenario.js';
import { startSink, testConfig, waitFor } from './sink-harness.js';
import { count } from './store.js';
import { topicSpecs } from './topics.js';

async function publishAll(bus: Bus, config: TracebarConfig, messages: ScenarioMessages): Promise<void> {
  for (const role of ['spans', 'sessions', 'scores', 'review', 'labels'] as const) {
    if (messages[role].length > 0) await bus.publish(config.topics[role].name, messages[role]);
  }
}

/** Writes the queries scenario through the sink (in-process bus), as production would. */
export async function loadScenario(store: ClickHouse): Promise<void> {
  const bus = createMemoryBus();
  const config = testConfig();
  try {
    await bus.ensureTopics(topicSpecs(config));
    const { sink } = startSink(config, bus, store);
    await sink.start();
    // Counted by the scenario's tenants: a server test may have written other rows before.
    const n = (table: string) => count(store, table, "tenant IN ('acme', 'other')");
    const { first, second } = scenario();
    await publishAll(bus, config, first);
    await waitFor('the first wave', async () => (await n('spans')) === 45 && (await n('labels')) === 7 && (await n('verdicts')) === 9 && (await n('review_items')) === 4 && (await n('sessions')) === 10);
    await publishAll(bus, config, second);
    await waitFor('the second wave', async () => (await n('verdicts')) === 11 && (await n('review_items')) === 5);
    await sink.shutdown(AbortSignal.timeout(10_000));
    // No producer writes regression cases yet (issue 6/7): one case made from label l1.
    await store.client.insert({
      table: 'regression_cases',
      format: 'JSONEachRow',
      values: [{ tenant: 'acme', regression_set_id: 'airline', set_version: 1, case_id: 'c1', label_id: 'l1', session_key: 'a3', session_revision: 1, objective_id: 'airline-booking', objective_version: 1, pattern: 'tool_failure', subtype: 'silent_failure', expected_outcome: 'passed', created_by: 'test', created_time: Date.now() * 1_000_000 }],
    });
  } finally {
    await bus.close();
  }
}
