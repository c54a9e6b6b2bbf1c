// What the embedded engine did during a phase: its merge and insert counters (system.events,
// process-wide) and, per table, the parts written and how they stand now (system.parts). The
// bench opens its own client on the running instance's chDB folder (same process: allowed).
// chDB keeps no system.part_log, so per-table merge work is read off the parts: the highest
// block number is the number of inserted parts, the level how often rows were merged.
import type { ClickHouse } from '@tracebar/clickhouse';

const eventNames = [
  'Merge',
  'MergedRows',
  'MergedColumns',
  'MergedUncompressedBytes',
  'MergeTotalMilliseconds',
  'MergesTimeMilliseconds',
  'InsertQuery',
  'InsertedRows',
  'InsertedBytes',
  'MergeTreeDataWriterBlocks',
  'MergeTreeDataWriterCompressedBytes',
  'MergeTreeDataWriterUncompressedBytes',
  'DuplicatedInsertedBlocks',
  'CompressedReadBufferBytes',
  'SelectQuery',
  'OSCPUVirtualTimeMicroseconds',
] as const;

export type EngineEvents = Record<string, number>;

async function rows<T>(store: ClickHouse, query: string): Promise<T[]> {
  return (await store.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

export async function engineEvents(store: ClickHouse): Promise<EngineEvents> {
  const list = eventNames.map((n) => `'${n}'`).join(',');
  const result = await rows<{ name: string; value: string }>(store, `SELECT name, value FROM system.events WHERE name IN (${list})`);
  return Object.fromEntries(result.map((r) => [r.name, Number(r.value)]));
}

export function eventsSince(before: EngineEvents, after: EngineEvents): EngineEvents {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0));
}

export interface TableParts {
  table: string;
  activeParts: number;
  rows: number;
  /** Parts inserted so far (the table's highest block number). */
  insertedParts: number;
  maxLevel: number;
  /** Rows weighted by their part's level, over rows: merges each row went through, roughly. */
  meanLevel: number;
  compressedMiB: number;
  uncompressedMiB: number;
  partTypes: string;
}

export async function tableParts(store: ClickHouse): Promise<TableParts[]> {
  const result = await rows<Record<string, string | number>>(
    store,
    `SELECT table, count() AS activeParts, sum(rows) AS totalRows, max(max_block_number) AS insertedParts, max(level) AS maxLevel,
            round(sum(rows * level) / greatest(sum(rows), 1), 2) AS meanLevel,
            round(sum(data_compressed_bytes) / 1048576, 1) AS compressedMiB, round(sum(data_uncompressed_bytes) / 1048576, 1) AS uncompressedMiB,
            arrayStringConcat(arraySort(groupUniqArray(part_type)), '+') AS partTypes
     FROM system.parts WHERE database = currentDatabase() AND active GROUP BY table ORDER BY insertedParts DESC`,
  );
  return result.map((r) => ({
    table: String(r.table),
    activeParts: Number(r.activeParts),
    rows: Number(r.totalRows),
    insertedParts: Number(r.insertedParts),
    maxLevel: Number(r.maxLevel),
    meanLevel: Number(r.meanLevel),
    compressedMiB: Number(r.compressedMiB),
    uncompressedMiB: Number(r.uncompressedMiB),
    partTypes: String(r.partTypes),
  }));
}

export interface MergeSample {
  table: string;
  /** Merges seen running (a merge shorter than the sampling period may be missed). */
  merges: number;
  sourceParts: number;
  /** Uncompressed bytes of the merged parts, MiB. */
  mergedMiB: number;
  /** Share of the bytes merged that came from the largest source part of each merge. */
  largestPartShare: number;
}

/**
 * Samples system.merges every `everyMs` until stopped: which tables merge, how many parts at a
 * time, and how much of each merge is its largest part rewritten again.
 */
export function sampleMerges(store: ClickHouse, everyMs: number): { stop: () => Promise<MergeSample[]> } {
  const seen = new Map<string, { table: string; parts: number; bytes: number; largest: number }>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const list = await rows<{ table: string; result_part_name: string; num_parts: number; total_size_bytes_uncompressed: string; source_part_names: string[] }>(
        store,
        `SELECT table, result_part_name, num_parts, total_size_bytes_uncompressed, source_part_names FROM system.merges WHERE database = currentDatabase()`,
      );
      for (const m of list) seen.set(`${m.table}/${m.result_part_name}`, { table: m.table, parts: Number(m.num_parts), bytes: Number(m.total_size_bytes_uncompressed), largest: 0 });
      const names = list.flatMap((m) => m.source_part_names.map((p) => `'${p}'`));
      if (names.length > 0) {
        const sizes = await rows<{ table: string; name: string; bytes: string }>(
          store,
          `SELECT table, name, data_uncompressed_bytes AS bytes FROM system.parts WHERE database = currentDatabase() AND name IN (${names.join(',')})`,
        );
        for (const m of list) {
          const entry = seen.get(`${m.table}/${m.result_part_name}`);
          if (entry === undefined) continue;
          entry.largest = Math.max(entry.largest, ...sizes.filter((s) => s.table === m.table && m.source_part_names.includes(s.name)).map((s) => Number(s.bytes)));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const byTable = new Map<string, MergeSample & { largest: number }>();
      for (const m of seen.values()) {
        const t = byTable.get(m.table) ?? { table: m.table, merges: 0, sourceParts: 0, mergedMiB: 0, largestPartShare: 0, largest: 0 };
        t.merges++;
        t.sourceParts += m.parts;
        t.mergedMiB += m.bytes / 1_048_576;
        t.largest += m.largest / 1_048_576;
        byTable.set(m.table, t);
      }
      return [...byTable.values()]
        .sort((a, b) => b.mergedMiB - a.mergedMiB)
        .map(({ largest, ...t }) => ({ ...t, mergedMiB: Math.round(t.mergedMiB), largestPartShare: t.mergedMiB > 0 ? Number((largest / t.mergedMiB).toFixed(2)) : 0 }));
    },
  };
}
