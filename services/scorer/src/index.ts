// @tracebar/scorer: sessions judged against their objectives; scores and review items out.
export { createScorer, type Scorer, type ScorerDeps, type ScorerStats } from './scorer.js';
export { resolveScorerSettings, type ScorerSettings } from './config.js';
export { scoreSession, type ObjectiveScoring, type ScoringContext, type SessionScoring } from './score-session.js';
export { decideVerdict, type SessionVerdict, type VerdictOutcome } from './verdict.js';
export { Baselines } from './baselines.js';
export { AttributeKeys, decodeScoringRecord, type ScoringRecord } from './scoring-record.js';
