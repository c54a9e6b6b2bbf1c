// The `objectives` table: every objective version ever used, with its content hash. A version
// recorded once never changes content.
import type { ClickHouse } from '@tracebar/clickhouse';
import { canonicalJson } from './content-hash.js';
import { ObjectiveConflictError } from './objective-error.js';
import type { Objective } from './objective.js';

export interface RecordedObjective {
  objective_id: string;
  version: number;
  content_hash: string;
}

/** Recorded versions of these ids (one query; the tenant-less table holds shared configuration). */
export const recordedObjectivesQuery =
  'SELECT objective_id, version, content_hash FROM objectives FINAL WHERE objective_id IN {ids:Array(String)} ORDER BY objective_id, version';

/** Objectives whose (id, version) was recorded with other content. */
export function findConflicts(objectives: readonly Objective[], recorded: readonly RecordedObjective[]): ObjectiveConflictError[] {
  const hashes = new Map(recorded.map((row) => [`${row.objective_id}@${Number(row.version)}`, row.content_hash]));
  const conflicts: ObjectiveConflictError[] = [];
  for (const objective of objectives) {
    const hash = hashes.get(`${objective.id}@${objective.version}`);
    if (hash !== undefined && hash !== objective.contentHash) {
      conflicts.push(new ObjectiveConflictError(objective.id, objective.version, hash, objective.contentHash, objective.source));
    }
  }
  return conflicts;
}

export async function readRecordedObjectives(ch: ClickHouse, ids: readonly string[]): Promise<RecordedObjective[]> {
  const result = await ch.client.query({ query: recordedObjectivesQuery, query_params: { ids }, format: 'JSONEachRow' });
  return result.json<RecordedObjective>();
}

function row(objective: Objective) {
  return {
    objective_id: objective.id,
    version: objective.version,
    content_hash: objective.contentHash,
    description: objective.description,
    definition: canonicalJson(objective.definition),
    selector: canonicalJson(objective.selector),
    sla_target: objective.slaTarget,
    evaluators: objective.evaluators.map((e) => ({ id: e.id, type: e.type, version: e.version, required: e.required, weight: e.weight })),
    source_file: objective.source,
  };
}

/**
 * Records objective versions not seen before. Throws the first ObjectiveConflictError when a
 * recorded version's content differs (nothing is written then).
 */
export async function recordObjectives(ch: ClickHouse, objectives: readonly Objective[]): Promise<{ recorded: number }> {
  const existing = await readRecordedObjectives(ch, [...new Set(objectives.map((objective) => objective.id))]);
  const [conflict] = findConflicts(objectives, existing);
  if (conflict) throw conflict;
  const known = new Set(existing.map((r) => `${r.objective_id}@${Number(r.version)}`));
  const fresh = objectives.filter((objective) => !known.has(`${objective.id}@${objective.version}`));
  if (fresh.length > 0) await ch.client.insert({ table: 'objectives', values: fresh.map(row), format: 'JSONEachRow' });
  return { recorded: fresh.length };
}
