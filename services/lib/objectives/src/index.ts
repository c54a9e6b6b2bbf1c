// @tracebar/objectives: the failure taxonomy and the versioned objectives sessions are judged
// against: loading and validation, the built-in default, selection, and the objectives table.
export { BUILTIN_TAXONOMY, loadTaxonomy, parseTaxonomy, taxonomyHas, taxonomySchema, type Taxonomy } from './taxonomy.js';
export { canonicalJson, contentHash } from './content-hash.js';
export { ObjectiveConflictError, ObjectiveError } from './objective-error.js';
export { objectiveFileSchema, type ObjectiveFile } from './objective-schema.js';
export type { EvaluatorCatalog, EvaluatorSpec, Objective, ObjectiveEvaluator, ObjectiveSelector, SessionFacts } from './objective.js';
export {
  buildDefaultObjective,
  DEFAULT_OBJECTIVE_ID,
  DEFAULT_OBJECTIVE_VERSION,
  loadObjectives,
  ObjectivesInvalidError,
  type DefaultEvaluator,
  type LoadObjectivesOptions,
  type ObjectiveSet,
} from './load-objectives.js';
export { selectObjectives, selectorAttributeKeys } from './select-objectives.js';
export { findConflicts, readRecordedObjectives, recordedObjectivesQuery, recordObjectives, type RecordedObjective } from './objectives-table.js';
