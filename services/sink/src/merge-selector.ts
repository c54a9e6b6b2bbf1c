// How ClickHouse merges the parts the sink writes. Every insert is one small part (one per table
// and topic-partition range, every flush interval), a dozen or more a second per table.
// ClickHouse's default selector (`Simple`) counts every part as at least 5 MiB when it weighs a
// merge, so while a table's largest part is under a few MiB compressed (tens of thousands of spans
// of agent text, which compresses ~25×) it picks that part again with every few new ones: measured
// on chDB 26.7 under `npm run bench:e2e`, 5.4 GB merged for 0.18 GB inserted in 30 s, and a third
// of the process's CPU in merge threads. `Trivial` merges ten consecutive parts whose levels do not
// fall: tiers of ten, a row is rewritten about log10(parts) times (0.36 GB merged for the same).
// The selector is a table setting (tier "Experimental" in ClickHouse), so the sink sets it at start
// like the TTL, where `sink.mergeSelector` asks for it, instead of in a migration a server might refuse.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '@tracebar/runtime';

export type MergeSelector = 'Simple' | 'Trivial';

/** The MergeTree tables the sink inserts into. */
export const sinkTables = ['spans', 'sessions', 'verdicts', 'scores', 'review_items', 'labels', 'alerts', 'sink_batches'] as const;

/** The selector named in a table's `engine_full`; `Simple` (ClickHouse's default) when none is. */
export function mergeSelectorOf(engineFull: string): string {
  return /\bmerge_selector_algorithm = '(\w+)'/.exec(engineFull)?.[1] ?? 'Simple';
}

/** Sets the merge selector of every sink table where it differs. Returns the tables changed. */
export async function applyMergeSelector(client: ClickHouseClient, selector: MergeSelector, logger: Logger): Promise<string[]> {
  const result = await client.query({
    query: 'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}',
    query_params: { names: [...sinkTables] },
    format: 'JSONEachRow',
  });
  const changed: string[] = [];
  for (const { name, engine_full } of await result.json<{ name: string; engine_full: string }>()) {
    const from = mergeSelectorOf(engine_full);
    if (from === selector) continue;
    await client.command({ query: `ALTER TABLE ${name} MODIFY SETTING merge_selector_algorithm = '${selector}'` });
    logger.info({ table: name, from, to: selector }, 'table merge selector changed to match sink.mergeSelector');
    changed.push(name);
  }
  return changed.sort();
}
