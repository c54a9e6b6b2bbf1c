// Valid requests sent in a loop (HTTP protobuf, HTTP JSON and gRPC in turn) while a test
// does something else, remembering every span id that was acknowledged.
import { randomBytes } from 'node:crypto';
import { decodeSpanRecordHead } from '@tracebar/proto';
import type { BusRecord } from '@tracebar/bus';
import { waitUntil } from './harness.js';
import { postJson, postProtobuf, protobufBody, RawTraceClient, traceRequest } from './otlp-client.js';

export interface ValidTraffic {
  /** Span ids (hex) of acknowledged requests. */
  acked: Set<string>;
  requests: number;
  /** Answers other than success (a valid request must never get one here). */
  failures: string[];
  /** Waits until `count` more requests were acknowledged than when called. */
  progress(count: number): Promise<void>;
  stop(): Promise<void>;
}

const SPANS_PER_REQUEST = 5;

export function startValidTraffic(tracesUrl: string, grpcAddress: string, concurrency = 2): ValidTraffic {
  const grpc = new RawTraceClient(grpcAddress);
  const acked = new Set<string>();
  const failures: string[] = [];
  let requests = 0;
  let stopped = false;

  async function sendOne(turn: number): Promise<void> {
    const spanIds = Array.from({ length: SPANS_PER_REQUEST }, () => randomBytes(8));
    const request = traceRequest(spanIds.map((spanId) => ({ spanId, name: 'valid-traffic' })));
    let ok: boolean;
    let what: string;
    if (turn % 3 === 0) {
      const answer = await postProtobuf(tracesUrl, protobufBody(request));
      ok = answer.status === 200;
      what = `HTTP protobuf ${answer.status} ${answer.body.toString()}`;
    } else if (turn % 3 === 1) {
      const answer = await grpc.export(protobufBody(request));
      ok = answer.code === 0;
      what = `gRPC ${answer.code} ${answer.details}`;
    } else {
      const json = {
        resourceSpans: [{ scopeSpans: [{ spans: spanIds.map((id) => ({ traceId: randomBytes(16).toString('hex'), spanId: id.toString('hex'), name: 'valid-traffic', kind: 1, startTimeUnixNano: '1', endTimeUnixNano: '2' })) }] }],
      };
      const answer = await postJson(tracesUrl, JSON.stringify(json));
      ok = answer.status === 200;
      what = `HTTP JSON ${answer.status} ${answer.body.toString()}`;
    }
    requests++;
    if (ok) for (const id of spanIds) acked.add(id.toString('hex'));
    else failures.push(what);
  }

  const loops = Array.from({ length: concurrency }, async (_, lane) => {
    for (let turn = lane; !stopped; turn += concurrency) {
      try {
        await sendOne(turn);
      } catch (error) {
        failures.push(String(error));
      }
    }
  });

  return {
    acked,
    get requests() {
      return requests;
    },
    failures,
    async progress(count) {
      const target = requests + count;
      await waitUntil(`${count} more valid requests`, () => requests >= target, 30_000);
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
      grpc.close();
    },
  };
}

/** Span ids (hex) found in the topic's records. */
export function spanIdsIn(records: readonly BusRecord[]): Set<string> {
  return new Set(records.map((record) => decodeSpanRecordHead(record.value).spanId));
}
