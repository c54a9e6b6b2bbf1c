import { BusError, BusUnavailableError, UnknownTopicError } from '../errors.js';

/** The broker error ids (from @platformatic/kafka's ProtocolError.apiId) inside an error, nested ones included. */
export function brokerErrorIds(error: unknown): Set<string> {
  const ids = new Set<string>();
  const visit = (e: unknown, depth: number): void => {
    if (!e || typeof e !== 'object' || depth > 6) return;
    const apiId = (e as { apiId?: unknown }).apiId;
    if (typeof apiId === 'string') ids.add(apiId);
    for (const inner of (e as { errors?: unknown[] }).errors ?? []) visit(inner, depth + 1);
    visit((e as { cause?: unknown }).cause, depth + 1);
  };
  visit(error, 0);
  return ids;
}

/** The client reports a topic missing from metadata as a UserError, not a broker error code. */
export function isUnknownTopic(error: unknown): boolean {
  if (brokerErrorIds(error).has('UNKNOWN_TOPIC_OR_PARTITION')) return true;
  return error instanceof Error && (error as { code?: unknown }).code === 'PLT_KFK_USER' && /unknown topic/i.test(error.message);
}

/** Produce errors a retry cannot fix: the request itself is wrong for this topic. */
const PERMANENT = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'INVALID_REQUIRED_ACKS',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);

/** The idempotent producer's sequence state is out of step with the broker: start a new producer. */
const SEQUENCE = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

export function needsNewProducer(error: unknown): boolean {
  for (const id of brokerErrorIds(error)) if (SEQUENCE.has(id)) return true;
  return false;
}

class PermanentKafkaError extends BusError {
  constructor(message: string, cause: unknown) {
    super('INVALID_ARGUMENT', message, false, { cause });
  }
}

/** Maps a client error to the bus's permanent / retryable errors. */
export function toBusError(error: unknown, topic: string): BusError {
  if (error instanceof BusError) return error;
  const ids = brokerErrorIds(error);
  if (isUnknownTopic(error) || ids.has('UNKNOWN_TOPIC_ID')) return new UnknownTopicError(topic, { cause: error });
  for (const id of ids) {
    if (PERMANENT.has(id)) return new PermanentKafkaError(`kafka refused the publish to ${topic}: ${id}`, error);
  }
  const detail = ids.size > 0 ? [...ids].join(', ') : error instanceof Error ? error.message : String(error);
  return new BusUnavailableError(`kafka did not acknowledge the publish to ${topic}: ${detail}`, { cause: error });
}
