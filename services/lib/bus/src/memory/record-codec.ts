import { crc32 } from 'node:zlib';

/**
 * The on-disk frame of one record of the durable in-process bus:
 *
 *   u32 body length | u32 CRC-32 of the body | body
 *   body = u8 version (1) | u32 offset high | u32 offset low | f64 timestamp | u32 counted bytes
 *          | u32 key length | key | u16 header count | (u16 name length | name | u32 length | value)*
 *          | u32 value length | value
 *
 * Little-endian. The length and CRC let a reader tell a torn or corrupt tail (a crash mid-write)
 * from a whole record; the offset in the body lets it check that a segment is contiguous.
 */
const FRAME_HEADER = 8;
const VERSION = 1;

export interface StoredRecordData {
  offset: number;
  timestamp: number;
  /** messageBytes() of the record, what the partition bounds count. */
  bytes: number;
  key: Buffer;
  value: Buffer;
  headers: Record<string, Buffer>;
}

/** Bytes the frame of `record` takes. */
export function frameBytes(record: StoredRecordData): number {
  let body = 1 + 8 + 8 + 4 + 4 + record.key.length + 2 + 4 + record.value.length;
  for (const [name, value] of Object.entries(record.headers)) body += 2 + Buffer.byteLength(name) + 4 + value.length;
  return FRAME_HEADER + body;
}

export function encodeRecord(record: StoredRecordData): Buffer {
  const frame = Buffer.allocUnsafe(frameBytes(record));
  encodeRecordInto(frame, 0, record);
  return frame;
}

/**
 * Writes the frame of `record` into `target` at `start` (which must have frameBytes() of room)
 * and returns the position after it: the durable log stages records straight into large
 * buffers, with no buffer per record.
 */
export function encodeRecordInto(target: Buffer, start: number, record: StoredRecordData): number {
  const frame = target;
  const headers = Object.entries(record.headers).map(([name, value]) => [Buffer.from(name), value] as const);
  let at = start + FRAME_HEADER;
  at = frame.writeUInt8(VERSION, at);
  at = frame.writeUInt32LE(Math.floor(record.offset / 0x1_0000_0000), at);
  at = frame.writeUInt32LE(record.offset % 0x1_0000_0000, at);
  at = frame.writeDoubleLE(record.timestamp, at);
  at = frame.writeUInt32LE(record.bytes, at);
  at = frame.writeUInt32LE(record.key.length, at);
  at += record.key.copy(frame, at);
  at = frame.writeUInt16LE(headers.length, at);
  for (const [name, value] of headers) {
    at = frame.writeUInt16LE(name.length, at);
    at += name.copy(frame, at);
    at = frame.writeUInt32LE(value.length, at);
    at += value.copy(frame, at);
  }
  at = frame.writeUInt32LE(record.value.length, at);
  at += record.value.copy(frame, at);
  frame.writeUInt32LE(at - start - FRAME_HEADER, start);
  frame.writeUInt32LE(crc32(frame.subarray(start + FRAME_HEADER, at)), start + 4);
  return at;
}

export type DecodeResult = { record: StoredRecordData; next: number } | { torn: string };

/**
 * Decodes the frame at `at`. A short, oversized or checksum-failing frame is reported as torn
 * (never thrown): the caller truncates there. Key, value and header values are copies, so the
 * segment's buffer can be dropped.
 */
export function decodeRecord(data: Buffer, at: number): DecodeResult {
  if (data.length - at < FRAME_HEADER) return { torn: `${data.length - at} bytes left, less than a frame header` };
  const length = data.readUInt32LE(at);
  const start = at + FRAME_HEADER;
  if (length < 31 || data.length - start < length) return { torn: `frame of ${length} bytes, ${data.length - start} left` };
  const body = data.subarray(start, start + length);
  if (crc32(body) !== data.readUInt32LE(at + 4)) return { torn: 'checksum mismatch' };
  try {
    return { record: parseBody(body), next: start + length };
  } catch (error) {
    return { torn: `malformed body: ${(error as Error).message}` };
  }
}

function parseBody(body: Buffer): StoredRecordData {
  let at = 0;
  const version = body.readUInt8(at);
  if (version !== VERSION) throw new Error(`unknown version ${version}`);
  at += 1;
  const offset = body.readUInt32LE(at) * 0x1_0000_0000 + body.readUInt32LE(at + 4);
  at += 8;
  const timestamp = body.readDoubleLE(at);
  at += 8;
  const bytes = body.readUInt32LE(at);
  at += 4;
  const slice = (length: number): Buffer => {
    if (at + length > body.length) throw new RangeError('field past the end');
    const copy = Buffer.from(body.subarray(at, at + length));
    at += length;
    return copy;
  };
  const keyLength = body.readUInt32LE(at);
  at += 4;
  const key = slice(keyLength);
  const headerCount = body.readUInt16LE(at);
  at += 2;
  const headers: Record<string, Buffer> = {};
  for (let i = 0; i < headerCount; i++) {
    const nameLength = body.readUInt16LE(at);
    at += 2;
    const name = slice(nameLength).toString();
    const valueLength = body.readUInt32LE(at);
    at += 4;
    headers[name] = slice(valueLength);
  }
  const valueLength = body.readUInt32LE(at);
  at += 4;
  const value = slice(valueLength);
  if (at !== body.length) throw new Error('trailing bytes');
  return { offset, timestamp, bytes, key, value, headers };
}
