// A hand-made gRPC call over node:http2, for payloads no gRPC client library would send: a
// message flagged compressed whose bytes are a gzip bomb or not gzip at all.
import { connect } from 'node:http2';
import { otlpTraceExportPath } from '@tracebar/proto';

export interface RawGrpcStatus {
  status: number;
  message: string;
}

export function rawGrpcCall(address: string, payload: Buffer, options: { compressed: boolean }): Promise<RawGrpcStatus> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${address}`);
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': otlpTraceExportPath,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...(options.compressed ? { 'grpc-encoding': 'gzip' } : {}),
    });
    let result: RawGrpcStatus | undefined;
    const take = (headers: Record<string, unknown>) => {
      if (headers['grpc-status'] !== undefined) {
        result = { status: Number(headers['grpc-status']), message: decodeURIComponent(String(headers['grpc-message'] ?? '')) };
      }
    };
    stream.on('response', take);
    stream.on('trailers', take);
    stream.on('data', () => undefined);
    stream.on('error', () => undefined);
    stream.on('close', () => {
      session.close();
      if (result) resolve(result);
      else reject(new Error('the gRPC call ended without a status'));
    });
    const prefix = Buffer.alloc(5);
    prefix.writeUInt8(options.compressed ? 1 : 0, 0);
    prefix.writeUInt32BE(payload.length, 1);
    stream.end(Buffer.concat([prefix, payload]));
  });
}
