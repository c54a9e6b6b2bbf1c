export interface ReadinessResult {
  ready: boolean;
  detail?: string;
}

/** Something `/readyz` asks before saying the process can take traffic (store, bus, receivers). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<ReadinessResult>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, ReadinessResult>;
}

/** Runs every check with a deadline; a check that throws or hangs counts as not ready. */
export async function evaluateReadiness(checks: readonly ReadinessCheck[], timeoutMs = 2_000): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (check): Promise<[string, ReadinessResult]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<ReadinessResult>((resolve) => {
        timer = setTimeout(() => resolve({ ready: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
      });
      try {
        return [check.name, await Promise.race([check.check(), timeout])];
      } catch (error) {
        return [check.name, { ready: false, detail: error instanceof Error ? error.message : String(error) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every(([, result]) => result.ready), checks: Object.fromEntries(results) };
}

/**
 * Readiness of a consumer-group component: not while stopping or before it joined, and then as
 * long as it is a member that is delivering.
 */
export function groupMemberReadiness(name: string, state: () => { stopping: boolean; member: { isReady(): boolean } | undefined }): ReadinessCheck {
  return {
    name,
    check: () => {
      const { stopping, member } = state();
      if (stopping) return Promise.resolve({ ready: false, detail: 'stopping' });
      if (!member) return Promise.resolve({ ready: false, detail: 'joining the consumer group' });
      return Promise.resolve(member.isReady() ? { ready: true } : { ready: false, detail: 'not a member of the consumer group' });
    },
  };
}
