import { BusClosedError, InvalidArgumentError, MessageTooLargeError } from './errors.js';
import { singleRecordBatchBytes } from './message-size.js';
import type { OutgoingMessage, PublishOptions } from './types.js';

/** Refuses a call with any message Kafka would refuse; the caller drops those and publishes the rest. */
export function checkMessages(topic: string, messages: readonly OutgoingMessage[], maxMessageBytes: number): void {
  const tooLarge: number[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as OutgoingMessage;
    if (!Buffer.isBuffer(message.value)) throw new InvalidArgumentError(`publish ${topic}: message ${i} has no Buffer value`);
    if (singleRecordBatchBytes(message) > maxMessageBytes) tooLarge.push(i);
  }
  if (tooLarge.length > 0) throw new MessageTooLargeError(topic, tooLarge, maxMessageBytes);
}

export function publishTimeout(options: PublishOptions | undefined, fallbackMs: number): number {
  const timeoutMs = options?.timeoutMs ?? fallbackMs;
  if (!(timeoutMs >= 0)) throw new InvalidArgumentError(`publish: timeoutMs must be >= 0, got ${timeoutMs}`);
  return timeoutMs;
}

export function checkOpen(closed: boolean): void {
  if (closed) throw new BusClosedError();
}
