import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouse } from '@tracebar/clickhouse';
import { spanProtobufInsert, spanStorageMessage, spanStorageProto } from '../rows/span-protobuf.js';
import type { TableName } from '../rows/topic-decoders.js';
import { insertLines } from './insert-lines.js';

/**
 * A table's rows for one insert: JSONEachRow lines, RowBinary rows (in pieces) of named columns,
 * or length-delimited SpanRecords (in pieces) for the engine's Protobuf reader, with the absolute
 * path of its schema file (embedded only).
 */
export type InsertBody =
  | { readonly lines: readonly string[] }
  | { readonly binary: readonly Uint8Array[]; readonly columns: readonly string[] }
  | { readonly spanRecords: readonly Uint8Array[]; readonly schema: string };

const settings = (token: string) => ({ insert_deduplicate: 1, insert_deduplication_token: token, async_insert: 0, optimize_on_insert: 0 }) as const;

// Memory-backed where the system has it: the file lives only between write and insert.
const spoolDir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/**
 * Inserts one body as one block under a deduplication token (see insertLines). RowBinary goes
 * to a server as the request body; chDB takes text only through the client connection (it
 * joins the body into the statement text), so there the rows are spooled to a file and read
 * with `FROM INFILE`, which keeps the insert and its token as they are.
 */
export async function insertRows(store: ClickHouse, table: TableName, body: InsertBody, token: string): Promise<void> {
  if ('lines' in body) {
    await insertLines(store.client, table, body.lines, token);
    return;
  }
  if ('spanRecords' in body) {
    await insertSpanRecords(store, table, body.spanRecords, body.schema, token);
    return;
  }
  const columns = body.columns.join(', ');
  if (store.mode === 'server') {
    const result = await store.client.exec({
      query: `INSERT INTO ${table} (${columns}) FORMAT RowBinary`,
      values: Readable.from(body.binary),
      clickhouse_settings: settings(token),
    });
    for await (const chunk of result.stream) void chunk;
    return;
  }
  const path = join(spoolDir, `tracebar-sink-${process.pid}-${randomUUID()}.bin`);
  await spool(path, body.binary);
  try {
    await store.client.command({ query: `INSERT INTO ${table} (${columns}) FROM INFILE '${path}' FORMAT RowBinary`, clickhouse_settings: settings(token) });
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

/**
 * Inserts length-delimited SpanRecords: the engine reads them from a spooled file with the
 * storage schema (span-protobuf.ts) and builds the rows in one INSERT … SELECT. The schema file is
 * written again if it went missing (it lives in the data folder, next to what it describes).
 */
async function insertSpanRecords(store: ClickHouse, table: TableName, pieces: readonly Uint8Array[], schema: string, token: string): Promise<void> {
  if (store.mode === 'server') throw new Error('SpanRecords are inserted as Protobuf only into embedded chDB; a server gets RowBinary');
  if (!existsSync(schema)) await writeSpanSchema(schema);
  const path = join(spoolDir, `tracebar-sink-${process.pid}-${randomUUID()}.pb`);
  await spool(path, pieces);
  try {
    await store.client.command({ query: spanProtobufInsert(table, path), clickhouse_settings: { ...settings(token), format_schema: `${schema}:${spanStorageMessage}` } });
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

/** Writes the storage schema of SpanRecord to `path` (an absolute .proto path), creating its folder. */
export async function writeSpanSchema(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Written whole under a temporary name, then renamed: a reader never sees half a schema.
  const partial = `${path}.${process.pid}-${randomUUID()}.tmp`;
  await writeFile(partial, spanStorageProto);
  await rename(partial, path);
}

/** Writes the pieces to a new file, in one vectored write when the system takes it whole. */
async function spool(path: string, pieces: readonly Uint8Array[]): Promise<void> {
  const file = await open(path, 'w');
  try {
    const total = pieces.reduce((n, p) => n + p.length, 0);
    let written = (await file.writev(pieces as Uint8Array[])).bytesWritten;
    // A short write (signals, very many pieces): the rest, piece by piece.
    for (const piece of pieces) {
      if (written >= total) break;
      if (written >= piece.length) {
        written -= piece.length;
        continue;
      }
      await file.write(piece, written);
      written = 0;
    }
  } finally {
    await file.close();
  }
}
