// A small reader of .proto text for one check: the sink's storage schema of SpanRecord must keep
// the field numbers, wire types and repetition of proto/tracebar/v1/*.proto. Good enough for the
// plain proto3 syntax these files use (messages, maps, repeated/optional, comments).

export interface ProtoField {
  readonly number: number;
  readonly wireType: number;
  readonly repeated: boolean;
  /** Message (or map value message) type name, for walking nested messages. */
  readonly type: string;
}

const varintTypes = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool']);
const fixed64Types = new Set(['fixed64', 'sfixed64', 'double']);
const fixed32Types = new Set(['fixed32', 'sfixed32', 'float']);

/** message name → field name → field, for every message (nested ones by their own name) in `texts`. */
export function protoMessages(texts: readonly string[], enums: ReadonlySet<string> = new Set()): Map<string, Map<string, ProtoField>> {
  const messages = new Map<string, Map<string, ProtoField>>();
  const enumNames = new Set(enums);
  for (const text of texts) for (const m of text.matchAll(/enum\s+(\w+)\s*\{/g)) enumNames.add(m[1] as string);
  for (const raw of texts) {
    const text = raw.replace(/\/\/.*$/gm, '');
    for (const block of text.matchAll(/message\s+(\w+)\s*\{([^{}]*)\}/g)) {
      const fields = new Map<string, ProtoField>();
      for (const f of (block[2] as string).matchAll(/(repeated\s+|optional\s+)?(map<\s*\w+\s*,\s*\w+\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)\s*;/g)) {
        const type = f[2] as string;
        const isMap = type.startsWith('map<');
        const base = isMap ? '' : (type.split('.').pop() as string);
        const wireType = isMap || base === 'string' || base === 'bytes' ? 2 : varintTypes.has(base) || enumNames.has(base) ? 0 : fixed64Types.has(base) ? 1 : fixed32Types.has(base) ? 5 : 2;
        // A map as its key type and its value's wire type: what the bytes look like.
        const mapType = isMap ? /map<\s*(\w+)\s*,\s*(\w+)\s*>/.exec(type) : null;
        const valueWire = (t: string) => (t === 'string' || t === 'bytes' ? 2 : varintTypes.has(t) || enumNames.has(t) ? 0 : fixed64Types.has(t) ? 1 : fixed32Types.has(t) ? 5 : 2);
        const shape = mapType ? `map<${mapType[1]},wire${valueWire(mapType[2] as string)}>` : base;
        fields.set(f[3] as string, { number: Number(f[4]), wireType, repeated: isMap || f[1]?.trim() === 'repeated', type: shape });
      }
      messages.set(block[1] as string, fields);
    }
  }
  return messages;
}
