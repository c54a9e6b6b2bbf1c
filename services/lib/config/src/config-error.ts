export interface ConfigIssue {
  /** Dotted config key, e.g. `bus.kafka.brokers[0]`. */
  key: string;
  /** The file or environment variable the bad value came from. */
  source: string;
  message: string;
}

/** Start-up stops on this; its message alone tells the operator what to fix. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(
      issues.length === 1
        ? `invalid config: ${formatIssue(issues[0] as ConfigIssue)}`
        : `invalid config (${issues.length} problems):\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function formatIssue(issue: ConfigIssue): string {
  return `${issue.key}: ${issue.message} (${issue.source})`;
}
