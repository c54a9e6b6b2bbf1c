// `tracebar objectives validate|list|show`: the objective files as the scorer will load them,
// checked against the versions the store has recorded.
import { existsSync } from 'node:fs';
import type { TracebarConfig } from '@tracebar/config';
import { DEFAULT_OBJECTIVE_EVALUATORS, evaluatorTypes, type EvaluatorType } from '@tracebar/evaluators';
import {
  canonicalJson,
  findConflicts,
  loadObjectives,
  loadTaxonomy,
  recordedObjectivesQuery,
  type Objective,
  type ObjectiveSet,
  type RecordedObjective,
} from '@tracebar/objectives';
import type { SqlResult } from '@tracebar/runtime';
import { stringify as toYaml } from 'yaml';
import { adminBaseUrl, sqlViaAdmin } from '../admin-client.js';
import { UsageError } from '../cli-error.js';
import { formatTable } from '../format-rows.js';
import { chdbPath, queryStoreDirectly } from '../store.js';

export interface ObjectivesCommandOptions {
  config: TracebarConfig;
  action: string;
  args: readonly string[];
  write: (text: string) => void;
}

function load(config: TracebarConfig) {
  const taxonomy = loadTaxonomy(config.scorer.taxonomyFile);
  const set = loadObjectives({
    dir: config.scorer.objectivesDir,
    evaluators: evaluatorTypes as ReadonlyMap<string, EvaluatorType>,
    defaultEvaluators: DEFAULT_OBJECTIVE_EVALUATORS,
  });
  return { taxonomy, set };
}

/**
 * Versions the store recorded, read where the store is: a running instance's admin API, a
 * server, or an embedded folder that exists (never creating one). Undefined when none is there.
 */
async function recorded(config: TracebarConfig, ids: string[]): Promise<{ rows: RecordedObjective[]; where: string } | undefined> {
  const params = { ids: `[${ids.map((id) => `'${id.replace(/['\\]/g, '\\$&')}'`).join(',')}]` };
  const toRows = (result: SqlResult) =>
    result.rows.map((row) => ({ objective_id: String(row[0]), version: Number(row[1]), content_hash: String(row[2]) }));
  const viaAdmin = await sqlViaAdmin(adminBaseUrl(config), recordedObjectivesQuery, params);
  if (viaAdmin) return { rows: toRows(viaAdmin), where: 'the running instance' };
  if (config.clickhouse.url === undefined && !existsSync(chdbPath(config))) return undefined;
  const direct = await queryStoreDirectly(config, recordedObjectivesQuery, params);
  return { rows: toRows(direct), where: config.clickhouse.url ?? chdbPath(config) };
}

function selectorText(objective: Objective): string {
  const { serviceNames, agentNames, attributes } = objective.selector;
  const parts = [
    ...(serviceNames.length ? [`service=${serviceNames.join('|')}`] : []),
    ...(agentNames.length ? [`agent=${agentNames.join('|')}`] : []),
    ...attributes.map(([key, values]) => `${key}=${values.join('|')}`),
  ];
  return objective.builtIn ? '(sessions no other objective selects)' : parts.join(' ') || '(every session)';
}

function list(set: ObjectiveSet): string {
  const active = new Set(set.active);
  const rows = [...set.all]
    .sort((a, b) => Number(b.builtIn) - Number(a.builtIn) || a.id.localeCompare(b.id) || a.version - b.version)
    .map((o) => [o.id, o.version, active.has(o) || o.builtIn ? 'yes' : 'no (older)', o.slaTarget, o.evaluators.map((e) => `${e.id}${e.required ? '' : '?'}`).join(','), selectorText(o), o.contentHash.slice(0, 12), o.source]);
  const columns = ['id', 'version', 'active', 'sla', 'evaluators', 'selector', 'hash', 'source'].map((name) => ({ name, type: 'String' }));
  return formatTable({ columns, rows });
}

function show(set: ObjectiveSet, id: string, version: number | undefined): string {
  const matches = set.all.filter((o) => o.id === id && (version === undefined || o.version === version));
  const objective = matches.sort((a, b) => b.version - a.version)[0];
  if (!objective) throw new UsageError(`no objective ${id}${version === undefined ? '' : ` version ${version}`}; known: ${[...new Set(set.all.map((o) => o.id))].join(', ')}`);
  return toYaml({
    id: objective.id,
    version: objective.version,
    source: objective.source,
    contentHash: objective.contentHash,
    description: objective.description,
    selector: selectorText(objective),
    sla: { target: objective.slaTarget },
    evaluators: objective.evaluators.map((e) => ({ id: e.id, type: e.type, version: e.version, required: e.required, weight: e.weight, params: JSON.parse(canonicalJson(e.params)) as unknown })),
  });
}

/** Returns the exit code: 1 when a file is invalid or a recorded version changed content. */
export async function runObjectivesCommand(options: ObjectivesCommandOptions): Promise<number> {
  const { config, action, args, write } = options;
  const { taxonomy, set } = load(config);
  switch (action) {
    case 'validate': {
      if (args.length > 0) throw new UsageError('objectives validate takes no arguments');
      write(`taxonomy version ${taxonomy.taxonomy.version} (${taxonomy.source})\n`);
      for (const o of set.all) write(`ok  ${o.id}@${o.version}  ${o.contentHash.slice(0, 12)}  ${o.source}\n`);
      const store = await recorded(config, [...new Set(set.all.map((o) => o.id))]);
      if (!store) {
        write('no store found: recorded versions not checked\n');
        return 0;
      }
      const conflicts = findConflicts(set.all, store.rows);
      for (const conflict of conflicts) write(`error: ${conflict.message}\n`);
      if (conflicts.length > 0) return 1;
      write(`recorded versions in ${store.where}: no conflict\n`);
      return 0;
    }
    case 'list':
      if (args.length > 0) throw new UsageError('objectives list takes no arguments');
      write(list(set));
      return 0;
    case 'show': {
      const [id, versionText, ...extra] = args;
      if (id === undefined || extra.length > 0) throw new UsageError('usage: tracebar objectives show <id> [<version>]');
      const version = versionText === undefined ? undefined : Number(versionText);
      if (version !== undefined && !(Number.isInteger(version) && version >= 1)) throw new UsageError(`version must be a positive integer, got ${versionText}`);
      write(show(set, id, version));
      return 0;
    }
    default:
      throw new UsageError(`objectives takes validate, list or show, got ${action || 'nothing'}`);
  }
}
