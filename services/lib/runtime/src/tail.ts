// `GET /v1/tail/<topic>`: a topic's records streamed as NDJSON over chunked HTTP, for
// `tracebar tail` against an embedded instance (its in-process bus lives in that process).
import type { FastifyInstance } from 'fastify';

/** The topics a client may tail: their record values are protobuf JSON, one message a record. */
export const TAIL_TOPICS = ['review', 'alerts'] as const;
export type TailTopic = (typeof TAIL_TOPICS)[number];

export interface TailOptions {
  /** Start at the oldest record the bus still holds instead of the next one. */
  fromBeginning: boolean;
  /** One record value (a JSON line without newline). Must not block: the bus waits for it. */
  onLine: (line: string) => void;
}

/** Subscribes to a topic; resolves once reading, to a function that ends the subscription. */
export type TopicTail = (topic: TailTopic, options: TailOptions) => Promise<() => Promise<void>>;

/** Lines held for a slow client before newer ones are dropped: the pipeline never waits for a tail. */
export const MAX_TAIL_BUFFER_BYTES = 4 * 1_048_576;

function isTailTopic(topic: string): topic is TailTopic {
  return (TAIL_TOPICS as readonly string[]).includes(topic);
}

export function registerTailRoute(app: FastifyInstance, tail: TopicTail | undefined): void {
  const open = new Set<() => void>();
  // A streaming response never ends by itself; end them so that app.close() is not held up.
  app.addHook('preClose', (done) => {
    for (const end of [...open]) end();
    done();
  });

  app.get<{ Params: { topic: string }; Querystring: { from?: string } }>('/v1/tail/:topic', async (request, reply) => {
    if (!tail) return reply.code(404).send({ error: 'no bus in this process' });
    const { topic } = request.params;
    if (!isTailTopic(topic)) return reply.code(404).send({ error: `tail takes ${TAIL_TOPICS.join(' or ')}, got ${topic}` });
    const from = request.query.from;
    if (from !== undefined && from !== 'beginning' && from !== 'latest') return reply.code(400).send({ error: `from must be beginning or latest, got ${from}` });

    const raw = reply.raw;
    let dropped = 0;
    let stop: (() => Promise<void>) | undefined;
    try {
      stop = await tail(topic, {
        fromBeginning: from === 'beginning',
        onLine: (line) => {
          if (raw.writableLength > MAX_TAIL_BUFFER_BYTES) {
            dropped++;
            return;
          }
          raw.write(`${line}\n`);
        },
      });
    } catch (error) {
      request.log.error({ err: error, topic }, 'tail subscription failed');
      return reply.code(503).send({ error: error instanceof Error ? error.message : String(error) });
    }
    reply.hijack();
    // One stream a connection: closing it after the stream frees the socket at once (a client
    // that cancelled may otherwise keep it open, holding up app.close()).
    raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'close' });
    // Headers out now, so the client knows the subscription is live before the first record.
    raw.flushHeaders();
    let ended = false;
    const end = (clientLeft: boolean): void => {
      if (ended) return;
      ended = true;
      open.delete(serverClosing);
      if (dropped > 0) request.log.warn({ topic, dropped }, 'tail client too slow: lines dropped');
      stop?.().catch((error: unknown) => request.log.warn({ err: error, topic }, 'closing a tail subscription failed'));
      if (clientLeft) {
        raw.destroy();
        return;
      }
      raw.end();
    };
    const serverClosing = (): void => end(false);
    open.add(serverClosing);
    raw.on('close', () => end(true));
    return reply;
  });
}
