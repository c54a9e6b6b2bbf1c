// Raw OTLP requests for tests: bodies built from the generated messages, sent over HTTP (fetch)
// or gRPC (a grpc-js client that sends and receives bytes, so any payload can be sent).
import { randomBytes } from 'node:crypto';
import { credentials, Client, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  decodeExportTraceServiceResponse,
  encodeExportTraceServiceRequest,
  google,
  otlpTraceExportPath,
  toLong,
  type ExportTraceServiceResponse,
  type IExportTraceServiceRequest,
  type IKeyValue,
} from '@tracebar/proto';

export interface SpanSpec {
  name?: string;
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  attributes?: IKeyValue[];
}

/** One resource with one scope holding the given spans (`count` spans of random ids by default). */
export function traceRequest(spans: number | SpanSpec[], resourceAttributes: IKeyValue[] = [{ key: 'service.name', value: { stringValue: 'ingest-test' } }]): IExportTraceServiceRequest {
  const specs = typeof spans === 'number' ? Array.from({ length: spans }, (): SpanSpec => ({})) : spans;
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: resourceAttributes },
        scopeSpans: [
          {
            scope: { name: 'ingest-test', version: '1' },
            spans: specs.map((spec, i) => ({
              traceId: spec.traceId ?? randomBytes(16),
              spanId: spec.spanId ?? randomBytes(8),
              name: spec.name ?? `span-${i}`,
              kind: 1,
              startTimeUnixNano: toLong(now),
              endTimeUnixNano: toLong(now + 1_000_000n),
              attributes: spec.attributes ?? [{ key: 'i', value: { intValue: toLong(i) } }],
            })),
          },
        ],
      },
    ],
  };
}

export function protobufBody(request: IExportTraceServiceRequest): Buffer {
  return Buffer.from(encodeExportTraceServiceRequest(request));
}

/** OTLP/JSON of `count` spans (hex ids, as the OTLP JSON mapping has them). */
export function jsonBody(count: number): string {
  const now = String(BigInt(Date.now()) * 1_000_000n);
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: `json-span-${i}`,
    kind: 1,
    startTimeUnixNano: now,
    endTimeUnixNano: now,
    attributes: [{ key: 'i', value: { intValue: String(i) } }],
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'json' }, spans }] }] });
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

export async function post(url: string, body: Uint8Array | string, headers: Record<string, string>): Promise<HttpAnswer> {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

export const postProtobuf = (url: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
  post(url, body, { 'content-type': 'application/x-protobuf', ...headers });

export const postJson = (url: string, body: string, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
  post(url, body, { 'content-type': 'application/json', ...headers });

/** The partial success of a protobuf answer, or undefined for a plain success. */
export function protobufSuccess(answer: HttpAnswer | Buffer): ExportTraceServiceResponse {
  return decodeExportTraceServiceResponse(Buffer.isBuffer(answer) ? answer : answer.body);
}

export function rpcStatus(bytes: Uint8Array): google.rpc.Status {
  return google.rpc.Status.decode(bytes);
}

export interface GrpcAnswer {
  code: number;
  details: string;
  trailers: Metadata | undefined;
  response: ExportTraceServiceResponse | undefined;
}

const identity = (bytes: Buffer): Buffer => bytes;

/** A TraceService/Export client that sends raw bytes (valid or not). */
export class RawTraceClient {
  readonly #client: Client;

  constructor(address: string, options: Record<string, unknown> = {}) {
    this.#client = new Client(address, credentials.createInsecure(), options);
  }

  export(body: Uint8Array, metadata: Record<string, string> = {}, deadlineMs = 20_000): Promise<GrpcAnswer> {
    const md = new Metadata();
    for (const [key, value] of Object.entries(metadata)) md.set(key, value);
    return new Promise((resolve) => {
      let trailers: Metadata | undefined;
      const call = this.#client.makeUnaryRequest(otlpTraceExportPath, identity, identity, Buffer.from(body), md, { deadline: Date.now() + deadlineMs }, (error: ServiceError | null, response?: Buffer) => {
        if (error) resolve({ code: error.code, details: error.details, trailers: error.metadata, response: undefined });
        else resolve({ code: 0, details: '', trailers, response: decodeExportTraceServiceResponse(response ?? Buffer.alloc(0)) });
      });
      call.on('status', (status: { metadata: Metadata }) => (trailers = status.metadata));
    });
  }

  close(): void {
    this.#client.close();
  }
}
