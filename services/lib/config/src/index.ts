export { ConfigError, type ConfigIssue } from './config-error.js';
export { ENV_PREFIX, readEnvOverrides, type EnvOverride } from './env-overrides.js';
export { DEFAULT_CONFIG_FILE, loadConfig, type LoadConfigOptions, type LoadedConfig } from './load-config.js';
export { configSchema, type IngestConfig, type ScorerConfig, type SessionizerConfig, type SinkConfig, type TopicConfig, type TopicRole, type TracebarConfig } from './schema.js';
export { byteSize, durationMs } from './units.js';
