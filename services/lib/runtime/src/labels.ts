// Labels sent to the admin API (`POST /v1/labels`): tracebar.v1.Label in protobuf's JSON
// mapping (lowerCamelCase or the proto's snake_case names, enums by name or number, 64-bit
// integers as decimal strings), validated here and handed to the injected publisher.
import Long from 'long';
import { z } from 'zod';
import { Label, LabelSource, Outcome } from '@tracebar/proto';

/** Publishes validated labels to the labels topic; throws when the bus cannot take them. */
export type LabelPublisher = (labels: readonly Label[]) => Promise<void>;

/** A request body that is not a list of valid labels (answered 400). */
export class LabelsRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelsRejectedError';
  }
}

const camel = (key: string): string => key.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());

/** Message fields may come as `label_id` or `labelId`; map keys (attribute names) are left alone. */
function message<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess((value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [camel(key), item]));
  }, z.strictObject(shape));
}

function enumOf<E extends Record<string, string | number>>(values: E, prefix: string) {
  const names = Object.keys(values).filter((name) => name.startsWith(prefix) && !name.endsWith('_UNSPECIFIED'));
  const numbers = new Set(names.map((name) => values[name] as number));
  return z
    .union([z.string(), z.number()])
    .refine((value) => (typeof value === 'string' ? names.includes(value) : numbers.has(value)), { message: `expected one of ${names.join(', ')}` })
    .transform((value) => (typeof value === 'string' ? (values[value] as number) : value));
}

const u64 = z
  .union([z.string().regex(/^\d{1,20}$/, 'expected a decimal integer'), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .transform((value) => Long.fromString(String(value), true));
const i64 = z
  .union([z.string().regex(/^-?\d{1,19}$/, 'expected a decimal integer'), z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER)])
  .transform((value) => Long.fromString(String(value), false));
const double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number)]);
const hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`), `expected ${length} lowercase hex characters`);

const labelSchema = message({
  labelId: z.string().min(1),
  tenant: z.string().min(1),
  sessionKey: z.string().min(1),
  sessionRevision: z.number().int().min(0).max(0xffffffff).optional(),
  outcome: enumOf(Outcome, 'OUTCOME_'),
  pattern: message({ pattern: z.string(), subtype: z.string().optional() }).optional(),
  taxonomyVersion: z.string().optional(),
  evidence: z.array(message({ spanId: hex(16), note: z.string().optional(), traceId: z.union([hex(32), z.literal('')]).optional() })).optional(),
  note: z.string().optional(),
  author: z.string().optional(),
  source: enumOf(LabelSource, 'LABEL_SOURCE_'),
  createdTimeUnixNano: u64.optional(),
  objective: message({ id: z.string(), version: z.number().int().min(0).max(0xffffffff), contentHash: z.string().optional() }).optional(),
  supersedesLabelId: z.string().optional(),
  outcomeFields: message({
    stringValues: z.record(z.string(), z.string()).optional(),
    intValues: z.record(z.string(), i64).optional(),
    doubleValues: z.record(z.string(), double).optional(),
    boolValues: z.record(z.string(), z.boolean()).optional(),
    bytesValues: z.record(z.string(), z.base64()).optional(),
  }).optional(),
});

export const MAX_LABELS_PER_REQUEST = 10_000;

/** Items of a JSON array, one JSON object, or JSON lines (blank lines skipped). */
function items(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (typeof body !== 'string') return [body];
  const lines = body.split('\n');
  const out: unknown[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (error) {
      throw new LabelsRejectedError(`line ${index + 1}: not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return out;
}

/**
 * Validates a request body (a parsed JSON value, or JSON-lines text) into Label messages.
 * Throws LabelsRejectedError naming the first bad label and field. A missing created time is
 * `now`.
 */
export function parseLabels(body: unknown, nowUnixNano: () => bigint): Label[] {
  const list = items(body);
  if (list.length === 0) throw new LabelsRejectedError('no labels in the body');
  if (list.length > MAX_LABELS_PER_REQUEST) throw new LabelsRejectedError(`at most ${MAX_LABELS_PER_REQUEST} labels per request, got ${list.length}`);
  return list.map((item, index) => {
    const parsed = labelSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      throw new LabelsRejectedError(`label ${index}: ${path}${issue?.message ?? 'invalid'}`);
    }
    const { outcomeFields, createdTimeUnixNano, ...rest } = parsed.data;
    const fields = outcomeFields && {
      ...outcomeFields,
      bytesValues: outcomeFields.bytesValues && Object.fromEntries(Object.entries(outcomeFields.bytesValues).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    };
    return Label.create({
      ...rest,
      ...(fields ? { outcomeFields: fields } : {}),
      createdTimeUnixNano: createdTimeUnixNano ?? Long.fromString(nowUnixNano().toString(), true),
    });
  });
}
