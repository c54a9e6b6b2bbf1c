// Reading a data set from disk (a JSON file, or a folder of them) and converting its records
// into sessions that follow one another in time.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { convertRecord, defaultAgentOf, type DatasetFormat } from './formats.js';
import type { ImportedSession } from './session.js';
import { STEP_MS, unixNanoOf } from './timeline.js';

/** Where synthesized times start by default: fixed, so a conversion is reproducible. */
export const DEFAULT_START_TIME = new Date('2025-01-01T00:00:00Z');

export interface ImportOptions {
  /** First session's start; the next starts a second after the previous ended. */
  startTime?: Date | number | bigint;
  /** Session key prefix; default the file or folder name without `.json` ("gpt-4o-airline"). */
  dataset?: string;
  /** Resource `service.name`; default the dataset name. */
  serviceName?: string;
  /** `gen_ai.request.model`; default guessed from tau-bench's `<model>-<domain>.json` names. */
  model?: string;
  /** `gen_ai.provider.name`; default `openai` for gpt-* and o<digit> models. */
  provider?: string;
  /** `gen_ai.agent.name` of the agent spans; default `agent` (`group_chat` for who-and-when). */
  agentName?: string;
}

export interface DatasetRecord {
  /** Names the record when it has no id of its own: file stem, or index within a file's list. */
  id: string;
  /** `file.json` or `file.json[3]`, for error messages. */
  source: string;
  value: unknown;
}

const TAU_BENCH_FILE = /^(.+)-(airline|retail)$/;

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The records of a JSON file (a list, or one record) or of every `*.json` in a folder, in natural name order. */
export async function readDatasetRecords(path: string): Promise<DatasetRecord[]> {
  const info = await stat(path);
  const files = info.isDirectory()
    ? (await readdir(path))
        .filter((name) => name.endsWith('.json'))
        .sort(naturalCompare)
        .map((name) => join(path, name))
    : [path];
  const records: DatasetRecord[] = [];
  for (const file of files) {
    const name = basename(file);
    let value: unknown;
    try {
      value = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (Array.isArray(value)) value.forEach((item, index) => records.push({ id: String(index), source: `${name}[${index}]`, value: item }));
    else records.push({ id: basename(file, extname(file)), source: name, value });
  }
  return records;
}

export function datasetNameOf(path: string): string {
  return basename(path.replace(/[/\\]+$/, ''), '.json');
}

function guessModel(dataset: string): string | undefined {
  return TAU_BENCH_FILE.exec(dataset)?.[1];
}

function guessProvider(model: string | undefined): string | undefined {
  return model && /^(gpt-|o\d)/.test(model) ? 'openai' : undefined;
}

/** Converts records lazily; each session starts a second after the previous one ended. */
export function* convertRecords(format: DatasetFormat, records: Iterable<DatasetRecord>, dataset: string, options: ImportOptions = {}): Generator<ImportedSession> {
  const model = options.model ?? (format === 'openai-messages' ? guessModel(dataset) : undefined);
  const base = {
    dataset: options.dataset ?? dataset,
    serviceName: options.serviceName ?? options.dataset ?? dataset,
    model,
    provider: options.provider ?? guessProvider(model),
    agentName: options.agentName ?? defaultAgentOf(format),
  };
  let start = unixNanoOf(options.startTime ?? DEFAULT_START_TIME);
  for (const record of records) {
    const session = convertRecord(format, record.value, record.id, record.source, { ...base, startUnixNano: start });
    start = session.endUnixNano + BigInt(STEP_MS.betweenSessions) * 1_000_000n;
    yield session;
  }
}

/** Reads and converts a whole data set: sessions with their outcomes, in file order. */
export async function loadDataset(format: DatasetFormat, path: string, options: ImportOptions = {}): Promise<ImportedSession[]> {
  return [...convertRecords(format, await readDatasetRecords(path), datasetNameOf(path), options)];
}
