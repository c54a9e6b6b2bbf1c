export { buildAdminServer, MAX_LABELS_BYTES, MAX_SQL_BYTES, SqlRejectedError, type AdminServerDeps, type SqlColumn, type SqlParams, type SqlResult, type SqlRunner } from './admin-server.js';
export type { Component } from './component.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { Counter, createMetricsRegistry, Gauge, Histogram, METRIC_PREFIX, Registry } from './metrics.js';
export { evaluateReadiness, groupMemberReadiness, type ReadinessCheck, type ReadinessReport, type ReadinessResult } from './readiness.js';
export { createSupervisor, type Supervisor } from './supervisor.js';
export { LabelsRejectedError, MAX_LABELS_PER_REQUEST, parseLabels, type LabelPublisher } from './labels.js';
export { MAX_TAIL_BUFFER_BYTES, TAIL_TOPICS, type TailOptions, type TailTopic, type TopicTail } from './tail.js';
