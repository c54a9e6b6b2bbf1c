// OTLP KeyValue lists to flattened tracebar Attributes, applying redaction and limits on the way:
// key rules (drop / hash) on the attribute key and on every flattened key under it, masks on
// string values, then truncation. The per-set value limit is checked before a value is
// computed, so values beyond it cost no hashing or masking.
import type { IAnyValue, IKeyValue } from '@tracebar/proto';
import type { Long } from '../decode/otlp-json-values.js';
import { AttributeSink } from './attribute-sink.js';
import { isSourceKey } from './genai/message-sources.js';
import { DROP, HASH, KEEP, type KeyAction, type Redaction } from './redaction.js';
import type { Tally } from './tally.js';
import { truncateText } from './text-limit.js';

export interface FlattenLimits {
  /** Values kept per attribute set (span, event, link, resource or scope), counting flattened leaves. */
  maxValues: number;
  /** String values longer than this are truncated. */
  maxValueLength: number;
}

export interface AttributeFlattener {
  flatten(keyValues: readonly IKeyValue[] | null | undefined, tally: Tally): AttributeSink;
  /** Masks and truncates a text copied from an attribute outside the flattener (GenAI messages); not counted again. */
  cleanText(value: string): string;
}

export function createAttributeFlattener(redaction: Redaction, limits: FlattenLimits): AttributeFlattener {
  const { maxValues, maxValueLength } = limits;
  const keyRules = redaction.hasKeyRules;
  const masks = redaction.hasMasks;

  function putString(sink: AttributeSink, key: string, value: string, action: KeyAction, tally: Tally): void {
    let out = value;
    if (action === HASH) {
      out = redaction.hash(value);
      tally.redactedValues++;
    } else {
      if (masks) {
        out = redaction.mask(value);
        if (out !== value) tally.redactedValues++;
      }
      if (out.length > maxValueLength) {
        out = truncateText(out, maxValueLength);
        tally.truncatedValues++;
      }
    }
    sink.putString(key, out);
  }

  function putHashed(sink: AttributeSink, key: string, value: string | Uint8Array, tally: Tally): void {
    sink.putString(key, redaction.hash(value));
    tally.redactedValues++;
  }

  function childAction(parent: KeyAction, key: string): KeyAction {
    if (parent !== KEEP || !keyRules) return parent;
    return redaction.keyAction(key);
  }

  function putValue(sink: AttributeSink, key: string, value: IAnyValue, action: KeyAction, tally: Tally): void {
    const stringValue = value.stringValue;
    if (stringValue != null) {
      if (sink.admit(key)) putString(sink, key, stringValue, action, tally);
      return;
    }
    const intValue = value.intValue as Long | number | null | undefined;
    if (intValue != null) {
      if (!sink.admit(key)) return;
      if (action === HASH) putHashed(sink, key, intValue.toString(), tally);
      else sink.putInt(key, intValue);
      return;
    }
    const doubleValue = value.doubleValue;
    if (doubleValue != null) {
      if (!sink.admit(key)) return;
      if (action === HASH) putHashed(sink, key, String(doubleValue), tally);
      else sink.putDouble(key, doubleValue);
      return;
    }
    const boolValue = value.boolValue;
    if (boolValue != null) {
      if (!sink.admit(key)) return;
      if (action === HASH) putHashed(sink, key, boolValue ? 'true' : 'false', tally);
      else sink.putBool(key, boolValue);
      return;
    }
    const arrayValue = value.arrayValue;
    if (arrayValue != null) {
      const values = arrayValue.values;
      if (values == null) return;
      for (let i = 0; i < values.length; i++) {
        const element = values[i];
        if (element == null) continue;
        const elementKey = `${key}.${i}`;
        const elementAction = childAction(action, elementKey);
        if (elementAction === DROP) tally.redactedValues++;
        else putValue(sink, elementKey, element, elementAction, tally);
      }
      return;
    }
    const kvlistValue = value.kvlistValue;
    if (kvlistValue != null) {
      const values = kvlistValue.values;
      if (values == null) return;
      for (const entry of values) {
        if (entry.value == null) continue;
        const entryKey = `${key}.${entry.key ?? ''}`;
        const entryAction = childAction(action, entryKey);
        if (entryAction === DROP) tally.redactedValues++;
        else putValue(sink, entryKey, entry.value, entryAction, tally);
      }
      return;
    }
    const bytesValue = value.bytesValue;
    if (bytesValue != null) {
      if (!sink.admit(key)) return;
      if (action === HASH) putHashed(sink, key, bytesValue, tally);
      else sink.putBytes(key, bytesValue);
    }
    // An empty AnyValue (no member set) has no typed map to go to: nothing is stored.
  }

  return {
    flatten(keyValues, tally) {
      const sink = new AttributeSink(maxValues);
      if (keyValues == null) return sink;
      for (const keyValue of keyValues) {
        const value = keyValue.value;
        if (value == null) continue;
        const key = keyValue.key ?? '';
        const action = keyRules ? redaction.keyAction(key) : KEEP;
        if (action === DROP) tally.redactedValues++;
        else putValue(sink, key, value, action, tally);
        // The original (unflattened, unredacted) value of a GenAI source key that is kept whole.
        if (action === KEEP && key.length >= 12 && key.charCodeAt(0) === 103 /* g */ && isSourceKey(key)) sink.keepOriginal(key, value);
      }
      tally.droppedAttributes += sink.overLimit;
      return sink;
    },
    cleanText(value) {
      const masked = masks ? redaction.mask(value) : value;
      return masked.length > maxValueLength ? truncateText(masked, maxValueLength) : masked;
    },
  };
}
