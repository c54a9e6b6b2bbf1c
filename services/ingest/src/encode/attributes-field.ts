// A tracebar.v1.Attributes field: its maps in field order (string, int, double, bool, bytes),
// each map's entries in the order the generated encoder writes them (Object.keys of the map), from
// the normalizer's attribute list or from maps.
import type { IAttributes } from '@tracebar/proto';
import { BOOL, BYTES, DOUBLE, INT, isAttributeList, objectKeyOrder, STRING, type AttributeList, type ValueKind } from './attribute-list.js';
import { varintSize, type Int64, type WireWriter } from './wire-writer.js';

/** An attribute set as the generated message (maps) or as the normalizer's list. */
export type AttributesInput = IAttributes | AttributeList;

/** An Attributes message under `tag`: its maps in field order, entries in Object.keys order. */
export function attributesField(w: WireWriter, tag: number, a: AttributesInput): void {
  w.uint32(tag);
  const mark = w.fork(2);
  if (isAttributeList(a)) writeAttributeList(w, a);
  else writeAttributeMaps(w, a);
  w.ldelim(mark, 2);
}

/** A map entry of `kind` under its Attributes field: key, then the value. */
function writeEntry(w: WireWriter, kind: ValueKind, key: string, value: unknown): void {
  switch (kind) {
    case STRING: {
      w.uint32(10);
      const reserve = varintSize(key.length + (value as string).length + 4);
      const entry = w.fork(reserve);
      w.stringField(10, key);
      w.stringField(18, value as string);
      w.ldelim(entry, reserve);
      return;
    }
    case INT: {
      w.uint32(18);
      const reserve = varintSize(key.length + 13);
      const entry = w.fork(reserve);
      w.stringField(10, key);
      w.int64Field(16, value as Int64);
      w.ldelim(entry, reserve);
      return;
    }
    case DOUBLE: {
      w.uint32(26);
      const reserve = varintSize(key.length + 11);
      const entry = w.fork(reserve);
      w.stringField(10, key);
      w.uint32(17);
      w.double(value as number);
      w.ldelim(entry, reserve);
      return;
    }
    case BOOL: {
      w.uint32(34);
      const reserve = varintSize(key.length + 4);
      const entry = w.fork(reserve);
      w.stringField(10, key);
      w.uint32(16);
      w.bool(value as boolean);
      w.ldelim(entry, reserve);
      return;
    }
    default: {
      w.uint32(42);
      const reserve = varintSize(key.length + (value as Uint8Array).length + 4);
      const entry = w.fork(reserve);
      w.stringField(10, key);
      w.uint32(18);
      w.bytes(value as Uint8Array);
      w.ldelim(entry, reserve);
    }
  }
}

const KINDS: readonly ValueKind[] = [STRING, INT, DOUBLE, BOOL, BYTES];

/** The list's values map by map (string, int, double, bool, bytes), each in Object.keys order. */
function writeAttributeList(w: WireWriter, a: AttributeList): void {
  const { keys, kinds, values } = a;
  const count = keys.length;
  let present = 0;
  for (let i = 0; i < count; i++) present |= 1 << (kinds[i] as number);
  for (const kind of KINDS) {
    if ((present & (1 << kind)) === 0) continue;
    if (a.hasIndexKeys) {
      for (const i of objectKeyOrder(a, kind)) writeEntry(w, kind, keys[i] as string, values[i]);
      continue;
    }
    for (let i = 0; i < count; i++) if (kinds[i] === kind) writeEntry(w, kind, keys[i] as string, values[i]);
  }
}

function writeAttributeMaps(w: WireWriter, a: IAttributes): void {
  writeMap(w, STRING, a.stringValues);
  writeMap(w, INT, a.intValues);
  writeMap(w, DOUBLE, a.doubleValues);
  writeMap(w, BOOL, a.boolValues);
  writeMap(w, BYTES, a.bytesValues);
}

function writeMap(w: WireWriter, kind: ValueKind, map: { [key: string]: unknown } | null | undefined): void {
  if (map == null) return;
  const keys = Object.keys(map);
  for (let i = 0; i < keys.length; i++) writeEntry(w, kind, keys[i] as string, map[keys[i] as string]);
}
