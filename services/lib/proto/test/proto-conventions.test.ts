// Checks the .proto sources themselves: documented fields, enum and naming conventions,
// JSON names, the topic catalog, and that the round-trip fixtures set every field.
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { topicCatalog, tracebar } from '../src/index.js';
import { alert, deadLetter, label, reviewItem, scoreRecord, sessionRecord, spanRecord } from './fixtures.js';

const protoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../proto');
const tracebarFiles = readdirSync(join(protoDir, 'tracebar/v1'))
  .filter((f) => f.endsWith('.proto'))
  .map((f) => join(protoDir, 'tracebar/v1', f));

function loadTracebar(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(protoDir, target));
  root.loadSync(tracebarFiles, { keepCase: true, alternateCommentMode: true });
  root.resolveAll();
  return root;
}

const root = loadTracebar();
const pkg = root.lookup('tracebar.v1') as protobuf.Namespace;
const types = pkg.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
const enums = pkg.nestedArray.filter((n): n is protobuf.Enum => n instanceof protobuf.Enum);

/** protoc's json_name: drop each underscore and upper-case the letter after it. */
function canonicalJsonName(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()).replace(/_/g, '');
}

describe('tracebar.v1 proto conventions', () => {
  it('has the package tracebar.v1 with messages and enums', () => {
    expect(types.length).toBeGreaterThan(20);
    expect(enums.length).toBeGreaterThan(8);
  });

  it('documents every message, field, enum and enum value', () => {
    const missing: string[] = [];
    for (const type of types) {
      if (!type.comment) missing.push(type.fullName);
      for (const field of type.fieldsArray) if (!field.comment) missing.push(`${type.fullName}.${field.name}`);
    }
    for (const e of enums) {
      if (!e.comment) missing.push(e.fullName);
      for (const name of Object.keys(e.values)) if (!e.comments[name]) missing.push(`${e.fullName}.${name}`);
    }
    expect(missing).toEqual([]);
  });

  it('names fields in snake_case whose protobufjs name is the canonical JSON name', () => {
    for (const type of types) {
      for (const field of type.fieldsArray) {
        expect(field.name, `${type.fullName}.${field.name}`).toMatch(/^[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*$/);
        expect(protobuf.util.camelCase(field.name)).toBe(canonicalJsonName(field.name));
      }
    }
  });

  it('starts every enum at <ENUM_NAME>_UNSPECIFIED = 0 and prefixes every value', () => {
    for (const e of enums) {
      const prefix = e.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
      expect(e.valuesById[0], e.fullName).toBe(`${prefix}_UNSPECIFIED`);
      for (const name of Object.keys(e.values)) expect(name.startsWith(`${prefix}_`), name).toBe(true);
    }
  });

  it('maps every catalog topic to a message that exists, generated and in the .proto', () => {
    const generated = tracebar.v1 as unknown as Record<string, unknown>;
    for (const spec of Object.values(topicCatalog)) {
      expect(root.lookupType(spec.messageType).fullName).toBe(`.${spec.messageType}`);
      expect(typeof generated[spec.messageType.replace('tracebar.v1.', '')]).toBe('function');
    }
  });
});

/** Records, per message type, which fields some instance in the tree sets. */
function collectSetFields(type: protobuf.Type, value: Record<string, unknown>, seen: Map<string, Set<string>>): void {
  const set = seen.get(type.fullName) ?? new Set<string>();
  seen.set(type.fullName, set);
  for (const field of type.fieldsArray) {
    const v = value[protobuf.util.camelCase(field.name)];
    if (v === undefined || v === null) continue;
    set.add(field.name);
    if (!(field.resolvedType instanceof protobuf.Type)) continue;
    const nested = field.resolvedType;
    const items = field.repeated ? (v as unknown[]) : field.map ? Object.values(v as object) : [v];
    for (const item of items) collectSetFields(nested, item as Record<string, unknown>, seen);
  }
}

describe('round-trip fixtures', () => {
  it('set every field of every message they contain', () => {
    const seen = new Map<string, Set<string>>();
    const fixtures: [string, object][] = [
      ['SpanRecord', spanRecord(1)],
      ['SessionRecord', sessionRecord()],
      ['ScoreRecord', scoreRecord()],
      ['ReviewItem', reviewItem()],
      ['Alert', alert()],
      ['Label', label()],
      ['DeadLetter', deadLetter()],
    ];
    for (const [name, fixture] of fixtures) {
      collectSetFields(root.lookupType(`tracebar.v1.${name}`), fixture as Record<string, unknown>, seen);
    }
    const unset: string[] = [];
    for (const [fullName, set] of seen) {
      for (const field of root.lookupType(fullName).fieldsArray) if (!set.has(field.name)) unset.push(`${fullName}.${field.name}`);
    }
    expect(unset).toEqual([]);
    // Every message type except the SpanRecordHead view is reached by some fixture.
    const unreached = types.map((t) => t.fullName).filter((n) => !seen.has(n));
    expect(unreached).toEqual(['.tracebar.v1.SpanRecordHead']);
  });
});
