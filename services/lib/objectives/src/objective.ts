import type { z } from 'zod';

/** What the objectives package needs of an evaluator type (the evaluator library's registry satisfies it). */
export interface EvaluatorSpec {
  readonly version: number;
  readonly params: z.ZodType;
  readonly deterministic: boolean;
}

export type EvaluatorCatalog = ReadonlyMap<string, EvaluatorSpec>;

export interface ObjectiveEvaluator {
  readonly id: string;
  readonly type: string;
  /** The evaluator type's version when the objective was loaded; every score records it. */
  readonly version: number;
  /** Validated, defaults applied. */
  readonly params: unknown;
  readonly required: boolean;
  readonly weight: number;
}

export interface ObjectiveSelector {
  readonly serviceNames: readonly string[];
  readonly agentNames: readonly string[];
  readonly attributes: readonly (readonly [key: string, values: readonly string[]])[];
}

export interface Objective {
  readonly id: string;
  readonly version: number;
  readonly description: string;
  /** SHA-256 of the canonical JSON of the definition as written. */
  readonly contentHash: string;
  /** The file it came from, or `built-in`. */
  readonly source: string;
  readonly selector: ObjectiveSelector;
  readonly slaTarget: number;
  readonly evaluators: readonly ObjectiveEvaluator[];
  /** The definition as written (what the hash covers), for the objectives table. */
  readonly definition: unknown;
  readonly builtIn: boolean;
}

/** What selection looks at in a session. */
export interface SessionFacts {
  readonly serviceName: string;
  readonly agentName: string;
  /** Every value the session's spans (or their resources) give this attribute. */
  attribute(key: string): readonly string[];
}
