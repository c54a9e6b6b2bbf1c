// Buckets the self time of a V8 CPU profile (.cpuprofile, as `node --cpu-prof` or the inspector
// writes it) into the stages of the ingest path, to say what bounds it.
//   npx tsx services/ingest/bench/profile-summary.ts <file.cpuprofile>
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** First matching rule wins; a frame is attributed by its own code (self time). */
const stages: [stage: string, test: (url: string, fn: string) => boolean][] = [
  ['idle', (_url, fn) => fn === '(idle)'],
  ['gc', (_url, fn) => fn === '(garbage collector)'],
  ['decode (OTLP protobuf)', (url, fn) => url.includes('/gen/otlp.js') || (url.includes('protobufjs') && /reader|utf8|read/i.test(url + fn)) || url.includes('/src/decode/')],
  ['encode (SpanRecord protobuf)', (url, fn) => url.includes('/src/encode/') || url.includes('/gen/tracebar.js') || (url.includes('protobufjs') && /writer|write/i.test(url + fn))],
  ['normalize', (url) => url.includes('/src/normalize/')],
  ['produce (bus + Kafka client)', (url) => url.includes('/lib/bus/') || url.includes('@platformatic')],
  ['gzip', (url, fn) => url.includes('zlib') || /gunzip|inflate/i.test(fn)],
  ['gRPC transport (grpc-js, http2)', (url) => url.includes('@grpc/grpc-js') || url.includes('http2')],
  ['HTTP transport (node:http)', (url) => /node:(_http|http$)/.test(url) || url.includes('_http_')],
  ['sockets and streams (node:net, streams, buffers)', (url) => /node:(net|stream|internal\/streams|buffer|internal\/buffer|events|internal\/stream_base)/.test(url)],
  ['ingest (receivers, consume, metrics)', (url) => url.includes('/services/ingest/src/') || url.includes('prom-client')],
  ['long (64-bit ints)', (url) => url.includes('/long/')],
  ['(program) / native', (url, fn) => fn === '(program)' || url === ''],
];

export interface StageShare {
  stage: string;
  ms: number;
  /** Share of the busy (non-idle) time. */
  percent: number;
}

export function summarizeProfile(profile: CpuProfile): StageShare[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number);
    if (!node) continue;
    const { url, functionName } = node.callFrame;
    const stage = stages.find(([, test]) => test(url, functionName))?.[0] ?? 'other JavaScript';
    selfUs.set(stage, (selfUs.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const busyUs = [...selfUs].filter(([stage]) => stage !== 'idle').reduce((sum, [, us]) => sum + us, 0);
  return [...selfUs]
    .filter(([stage]) => stage !== 'idle')
    .map(([stage, us]) => ({ stage, ms: Math.round(us / 1_000), percent: Math.round((1_000 * us) / busyUs) / 10 }))
    .sort((a, b) => b.ms - a.ms);
}

/** The heaviest functions by self time, for the README's explanation. */
export function topFunctions(profile: CpuProfile, count: number): { fn: string; ms: number }[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const file = node.callFrame.url.split('/').slice(-2).join('/');
    const key = `${node.callFrame.functionName || '(anonymous)'} ${file}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  return [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, count).map(([fn, us]) => ({ fn, ms: Math.round(us / 1_000) }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile>');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.table(summarizeProfile(profile));
  console.table(topFunctions(profile, 25));
}
