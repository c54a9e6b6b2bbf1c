// The parts of a span record shared by every span of a resource or scope, built once for each.
import type { IInstrumentationScope, IResource } from '@tracebar/proto';
import type { AttributeList } from '../encode/attribute-list.js';
import type { SharedFieldsSource } from '../encode/span-record-encoder.js';
import type { AttributeFlattener } from './attribute-flattener.js';
import type { AttributeSink } from './attribute-sink.js';
import type { Tally } from './tally.js';

export interface ResourcePart {
  readonly sink: AttributeSink;
  readonly attributes: AttributeList | undefined;
  readonly serviceName: string;
  readonly serviceVersion: string;
  readonly schemaUrl: string;
}

export interface ScopePart {
  readonly name: string;
  readonly version: string;
  readonly attributes: AttributeList | undefined;
  readonly schemaUrl: string;
}

export function resourcePart(resource: IResource | null | undefined, schemaUrl: string | null | undefined, flattener: AttributeFlattener, tally: Tally): ResourcePart {
  const sink = flattener.flatten(resource?.attributes, tally);
  return {
    sink,
    attributes: sink.size > 0 ? sink : undefined,
    serviceName: sink.string('service.name') ?? '',
    serviceVersion: sink.string('service.version') ?? '',
    schemaUrl: schemaUrl ?? '',
  };
}

export function scopePart(scope: IInstrumentationScope | null | undefined, schemaUrl: string | null | undefined, flattener: AttributeFlattener, tally: Tally): ScopePart {
  const sink = flattener.flatten(scope?.attributes, tally);
  return {
    name: scope?.name ?? '',
    version: scope?.version ?? '',
    attributes: sink.size > 0 ? sink : undefined,
    schemaUrl: schemaUrl ?? '',
  };
}

/** The record fields of a resource and scope, unset when empty (as on every record). */
export function sharedFieldsOf(resource: ResourcePart, scope: ScopePart): SharedFieldsSource {
  const fields: SharedFieldsSource = {};
  if (resource.serviceName !== '') fields.serviceName = resource.serviceName;
  if (resource.serviceVersion !== '') fields.serviceVersion = resource.serviceVersion;
  if (resource.attributes !== undefined) fields.resourceAttributes = resource.attributes;
  if (scope.name !== '') fields.scopeName = scope.name;
  if (scope.version !== '') fields.scopeVersion = scope.version;
  if (scope.attributes !== undefined) fields.scopeAttributes = scope.attributes;
  if (resource.schemaUrl !== '') fields.resourceSchemaUrl = resource.schemaUrl;
  if (scope.schemaUrl !== '') fields.scopeSchemaUrl = scope.schemaUrl;
  return fields;
}
