// The data set formats: how a record is validated and converted. Adding one touches this map
// and one converter module.
import type { z } from 'zod';
import { convertOpenAiRecord, openAiRecordSchema } from './openai-messages.js';
import type { ConvertSettings, ImportedSession } from './session.js';
import { convertWhoAndWhenRecord, GROUP_CHAT_AGENT, whoAndWhenRecordSchema } from './who-and-when.js';

export const DATASET_FORMATS = ['openai-messages', 'who-and-when'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

interface Format<R> {
  schema: z.ZodType<R>;
  convert(record: R, id: string, settings: ConvertSettings): ImportedSession;
  /** gen_ai.agent.name of the agent spans when none is given. */
  defaultAgent: string;
}

function format<R>(spec: Format<R>): Format<unknown> {
  return spec as Format<unknown>;
}

const FORMATS: Readonly<Record<DatasetFormat, Format<unknown>>> = {
  'openai-messages': format({ schema: openAiRecordSchema, convert: convertOpenAiRecord, defaultAgent: 'agent' }),
  'who-and-when': format({ schema: whoAndWhenRecordSchema, convert: convertWhoAndWhenRecord, defaultAgent: GROUP_CHAT_AGENT }),
};

export function isDatasetFormat(name: string): name is DatasetFormat {
  return (DATASET_FORMATS as readonly string[]).includes(name);
}

/** A record that does not have the format's shape; names where it came from. */
export class RecordFormatError extends Error {
  override readonly name = 'RecordFormatError';
}

export function defaultAgentOf(format: DatasetFormat): string {
  return FORMATS[format].defaultAgent;
}

/** Validates and converts one record. Throws RecordFormatError naming `source` and the problem. */
export function convertRecord(format: DatasetFormat, value: unknown, id: string, source: string, settings: ConvertSettings): ImportedSession {
  const spec = FORMATS[format];
  const parsed = spec.schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new RecordFormatError(`${source}: not a ${format} record${where}: ${issue?.message ?? 'invalid'}`);
  }
  return spec.convert(parsed.data, id, settings);
}
