// Reads an HTTP request body under the ingest.maxBodyBytes limit, and gunzips it with the same
// limit applied to the output while it is produced (a gzip bomb stops at the limit).
import type { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { failure, type Failure } from '../failures.js';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; failure: Failure };

/** Bytes received so far, for metrics, whatever the outcome. */
export interface ReadProgress {
  bytes: number;
}

const tooLarge = (limit: number): Failure =>
  failure('body_too_large', `request body is over ingest.maxBodyBytes (${limit} bytes, counted after decompression)`);

/**
 * Resolves with the body, or with body_too_large as soon as the limit is passed (the rest is
 * read and discarded so the exporter sees the answer instead of a reset connection). Rejects
 * when the client goes away.
 */
export function readBody(request: IncomingMessage, limit: number, progress: ReadProgress): Promise<BodyResult> {
  const declared = Number(request.headers['content-length']);
  if (declared > limit) {
    progress.bytes = declared;
    request.resume();
    return Promise.resolve({ ok: false, failure: tooLarge(limit) });
  }
  return new Promise((resolve, reject) => {
    // With a declared length the body is copied once into its final buffer.
    const whole = Number.isSafeInteger(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let over = false;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      progress.bytes = received;
      if (over) return;
      if (received > limit || (whole && received > whole.length)) {
        over = true;
        chunks.length = 0;
        resolve({ ok: false, failure: received > limit ? tooLarge(limit) : failure('invalid_request', 'request body is longer than its Content-Length') });
        return;
      }
      if (whole) chunk.copy(whole, received - chunk.length);
      else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (over) return;
      if (whole) {
        resolve(received === whole.length ? { ok: true, body: whole } : { ok: false, failure: failure('invalid_request', 'request body is shorter than its Content-Length') });
      } else {
        resolve({ ok: true, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received) });
      }
    };
    const onAbort = (error?: Error) => {
      cleanup();
      reject(error ?? new Error('request aborted'));
    };
    const onClose = () => {
      if (!request.complete) onAbort(new Error('client closed the connection before sending the whole body'));
    };
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onAbort);
      request.off('close', onClose);
      // Keep discarding whatever still comes, so the connection can answer.
      if (!request.complete) request.resume();
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onAbort);
    request.on('close', onClose);
  });
}

/** Gunzips with the output limit enforced during decompression. */
export function gunzipBody(body: Buffer, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    gunzip(body, { maxOutputLength: limit, chunkSize: 64 * 1024 }, (error, result) => {
      if (!error) resolve({ ok: true, body: result });
      else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') resolve({ ok: false, failure: tooLarge(limit) });
      else resolve({ ok: false, failure: failure('bad_gzip', `request body is not valid gzip: ${error.message}`) });
    });
  });
}
