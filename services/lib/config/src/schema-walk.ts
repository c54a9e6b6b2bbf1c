import type { z } from 'zod';

type AnySchema = z.core.$ZodType;

interface WrapperDef {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  options?: AnySchema[];
}

function defOf(schema: AnySchema): WrapperDef {
  return schema._zod.def as unknown as WrapperDef;
}

/** Strips defaults, optionals and pipes so the caller sees the schema that decides the shape. */
export function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if ((def.type === 'default' || def.type === 'prefault' || def.type === 'optional' || def.type === 'nullable') && def.innerType) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
}

/** The schema at a dotted path of object keys, or undefined when no such key exists. */
export function schemaAt(root: AnySchema, path: readonly (string | number)[]): AnySchema | undefined {
  let current: AnySchema | undefined = unwrap(root);
  for (const segment of path) {
    if (current === undefined) return undefined;
    const def = defOf(current);
    if (def.type === 'object' && def.shape && typeof segment === 'string') {
      const next: AnySchema | undefined = def.shape[segment];
      current = next === undefined ? undefined : unwrap(next);
    } else if (def.type === 'array' && typeof segment === 'number') {
      const element = (current._zod.def as unknown as { element: AnySchema }).element;
      current = unwrap(element);
    } else {
      return undefined;
    }
  }
  return current;
}

export function objectKeys(schema: AnySchema | undefined): string[] {
  if (schema === undefined) return [];
  const def = defOf(unwrap(schema));
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** The leaf's value kind as far as environment parsing cares: strings stay verbatim. */
export function leafKind(schema: AnySchema): 'object' | 'array' | 'string' | 'other' {
  const def = defOf(unwrap(schema));
  if (def.type === 'object') return 'object';
  if (def.type === 'array') return 'array';
  if (def.type === 'string' || def.type === 'enum') return 'string';
  if (def.type === 'union' && def.options?.every((option) => leafKind(option) === 'string')) return 'string';
  return 'other';
}
