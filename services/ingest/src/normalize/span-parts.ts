// The parts of a span record shared by every span of a resource or scope, built once for each.
import type { IAttributes, IInstrumentationScope, IResource } from '@tracebar/proto';
import type { AttributeFlattener } from './attribute-flattener.js';
import type { AttributeSink } from './attribute-sink.js';
import type { Tally } from './tally.js';

export interface ResourcePart {
  readonly sink: AttributeSink;
  readonly attributes: IAttributes | undefined;
  readonly serviceName: string;
  readonly serviceVersion: string;
  readonly schemaUrl: string;
}

export interface ScopePart {
  readonly name: string;
  readonly version: string;
  readonly attributes: IAttributes | undefined;
  readonly schemaUrl: string;
}

export function resourcePart(resource: IResource | null | undefined, schemaUrl: string | null | undefined, flattener: AttributeFlattener, tally: Tally): ResourcePart {
  const sink = flattener.flatten(resource?.attributes, tally);
  return {
    sink,
    attributes: sink.toAttributes(),
    serviceName: sink.string('service.name') ?? '',
    serviceVersion: sink.string('service.version') ?? '',
    schemaUrl: schemaUrl ?? '',
  };
}

export function scopePart(scope: IInstrumentationScope | null | undefined, schemaUrl: string | null | undefined, flattener: AttributeFlattener, tally: Tally): ScopePart {
  return {
    name: scope?.name ?? '',
    version: scope?.version ?? '',
    attributes: flattener.flatten(scope?.attributes, tally).toAttributes(),
    schemaUrl: schemaUrl ?? '',
  };
}
