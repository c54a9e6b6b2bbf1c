// @tracebar/sessionizer: spans become whole sessions (services/sessionizer/README.md).
export { createSessionizer, type Sessionizer, type SessionizerDeps } from './sessionizer.js';
export {
  createSessionizerCore,
  type CommitOffset,
  type CoreObserver,
  type CoreRecord,
  type CoreStats,
  type DropReason,
  type Emission,
  type SessionizerCore,
} from './sessionizer-core.js';
export { resolveSettings, type SessionizerSettings } from './config.js';
export { assembleRecord, assembleSession, type AssembledSession, type ClosingSession } from './assemble-session.js';
export { RecordAssembler, type AssembledRecord, type CloseFacts } from './record-assembler.js';
export { contentDigest, encodeSession, type EncodedSession } from './session-encoder.js';
export { joinSessionParts } from './join-parts.js';
