// Detection quality of the default objective (issue 6 "Detection quality"): the review priority against
// known outcomes. Datasets are replayed through the real ingest normalizer and sessionizer
// (@tracebar/importers/replay); outcome fields never reach the evaluators, only this report.
//   npm run bench:detection -w @tracebar/evaluators [-- --dump]
import { loadDataset, toOtlpRequests, type ImportedSession } from '@tracebar/importers';
import { replaySessions } from '@tracebar/importers/replay';
import { scoreRecords, topEvidence, type ScoredSession } from './score-sessions.js';

const DATASETS = process.env.TRACEBAR_DATASETS ?? '/work/shared/datasets';

export function auroc(scores: readonly number[], labels: readonly boolean[]): number {
  let positives = 0;
  let negatives = 0;
  let sum = 0;
  const order = scores.map((score, i) => ({ score, label: labels[i]! })).sort((a, b) => a.score - b.score);
  // Rank-sum with ties sharing their average rank.
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]!.score === order[i]!.score) j++;
    const rank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) {
      if (order[k]!.label) {
        positives++;
        sum += rank;
      } else negatives++;
    }
    i = j;
  }
  return positives === 0 || negatives === 0 ? NaN : (sum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function precisionAt(k: number, scores: readonly number[], labels: readonly boolean[]): number {
  const top = scores.map((score, i) => ({ score, label: labels[i]! })).sort((a, b) => b.score - a.score).slice(0, k);
  return top.filter((item) => item.label).length / top.length;
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

async function load(format: 'openai-messages' | 'who-and-when', path: string): Promise<{ sessions: ImportedSession[]; scored: ScoredSession[] }> {
  const sessions = await loadDataset(format, path);
  const records = replaySessions(toOtlpRequests(sessions));
  const order = new Map(sessions.map((session, i) => [session.sessionKey, i]));
  // Arrival order = dataset order, so the rolling baseline sees sessions as a live scorer would.
  records.sort((a, b) => (order.get(a.sessionKey ?? '') ?? 0) - (order.get(b.sessionKey ?? '') ?? 0));
  return { sessions, scored: scoreRecords(records) };
}

async function airline(dump: boolean): Promise<void> {
  const { sessions, scored } = await load('openai-messages', `${DATASETS}/tau-bench-airline/gpt-4o-airline.json`);
  const truth = new Map(sessions.map((session) => [session.sessionKey, session.outcome.outcome]));
  const labelled = scored.filter((s) => truth.get(s.record.sessionKey ?? '') !== 'unknown');
  const labels = labelled.map((s) => truth.get(s.record.sessionKey ?? '') === 'failed');
  const priorities = labelled.map((s) => s.priority);
  const failedCount = labels.filter(Boolean).length;
  console.log(`tau-bench airline: ${labelled.length} sessions (${failedCount} failed, ${labelled.length - failedCount} passed), default objective, no LLM judge`);
  console.log(`  review priority: AUROC ${auroc(priorities, labels).toFixed(3)}, precision@10 ${precisionAt(10, priorities, labels).toFixed(2)}, precision@20 ${precisionAt(20, priorities, labels).toFixed(2)}`);
  console.log(`  session length alone (spans): AUROC ${auroc(labelled.map((s) => s.view.counts.spans), labels).toFixed(3)}`);
  const verdictFailed = labelled.map((s) => (s.scored.some((e) => e.required && e.evaluation.outcome === 'failed') ? 1 : 0));
  console.log(`  verdict failed: ${pct(verdictFailed.filter((v, i) => v && labels[i]).length / failedCount)} of failed sessions, ${pct(verdictFailed.filter((v, i) => v && !labels[i]).length / (labelled.length - failedCount))} of passed`);
  console.log('  per evaluator: fires (failed) | flags (failed or suspicious) on failed vs passed sessions; AUROC of 1 - score');
  for (const id of labelled[0]!.scored.map((s) => s.evaluatorId)) {
    const evals = labelled.map((s) => s.scored.find((e) => e.evaluatorId === id)!.evaluation);
    const rate = (pred: (i: number) => boolean, label: boolean) => evals.filter((_, i) => labels[i] === label && pred(i)).length / labels.filter((l) => l === label).length;
    const fires = (i: number) => evals[i]!.outcome === 'failed';
    const flags = (i: number) => evals[i]!.outcome === 'failed' || evals[i]!.evidence.length > 0;
    console.log(`    ${id.padEnd(20)} fires ${pct(rate(fires, true)).padStart(4)} vs ${pct(rate(fires, false)).padStart(4)} | flags ${pct(rate(flags, true)).padStart(4)} vs ${pct(rate(flags, false)).padStart(4)} | AUROC ${auroc(evals.map((e) => 1 - e.score), labels).toFixed(3)}`);
  }
  console.log('  priority reasons: mean contribution on failed vs passed sessions; AUROC of the contribution alone; AUROC of the priority without it');
  const codes = new Map<string, string>();
  for (const s of labelled) for (const r of s.reasons) codes.set(`${r.code}${r.evaluatorId ? `:${r.evaluatorId}` : ''}`, r.code);
  for (const key of [...codes.keys()].sort()) {
    const contribution = labelled.map((s) => s.reasons.filter((r) => `${r.code}${r.evaluatorId ? `:${r.evaluatorId}` : ''}` === key).reduce((t, r) => t + r.contribution, 0));
    const mean = (label: boolean) => contribution.filter((_, i) => labels[i] === label).reduce((a, b) => a + b, 0) / labels.filter((l) => l === label).length;
    const without = labelled.map((s, i) => s.priority - contribution[i]!);
    console.log(`    ${key.padEnd(40)} ${mean(true).toFixed(3)} vs ${mean(false).toFixed(3)} | alone ${auroc(contribution, labels).toFixed(3)} | without ${auroc(without, labels).toFixed(3)}`);
  }
  console.log('  signals: AUROC of each signal alone');
  const names = new Set<string>();
  for (const s of labelled) for (const e of s.scored) for (const name of Object.keys(e.evaluation.signals)) names.add(`${e.evaluatorId}.${name}`);
  for (const name of [...names].sort()) {
    const [id, signal] = name.split('.') as [string, string];
    const values = labelled.map((s) => s.scored.find((e) => e.evaluatorId === id)?.evaluation.signals[signal] ?? 0);
    console.log(`    ${name.padEnd(46)} ${auroc(values, labels).toFixed(3)}`);
  }
  if (dump) {
    for (const [i, s] of labelled.entries()) {
      console.log(`${labels[i] ? 'FAIL' : 'pass'} ${s.priority.toFixed(3)} ${s.record.sessionKey} ${s.reasons.map((r) => `${r.code}${r.evaluatorId ? `:${r.evaluatorId}` : ''}=${r.contribution.toFixed(2)}`).join(' ')}`);
      for (const e of s.scored) for (const ev of e.evaluation.evidence.slice(0, 3)) console.log(`      ${e.evaluatorId}: ${ev.note}`);
    }
  }
}

async function whoAndWhen(): Promise<void> {
  const { sessions, scored } = await load('who-and-when', `${DATASETS}/who-and-when-algorithm-generated`);
  const byKey = new Map(sessions.map((session) => [session.sessionKey, session]));
  let withEvidence = 0;
  let stepHits = 0;
  let nearHits = 0;
  let agentHits = 0;
  let anyEvidenceStep = 0;
  let labelledCount = 0;
  let failedVerdict = 0;
  for (const s of scored) {
    const session = byKey.get(s.record.sessionKey ?? '');
    const fields = session?.outcome.fields ?? {};
    const step = Number(fields.mistake_step);
    const agent = String(fields.mistake_agent ?? '');
    if (!session || !Number.isInteger(step)) continue;
    labelledCount++;
    if (s.scored.some((e) => e.required && e.evaluation.outcome === 'failed')) failedVerdict++;
    const target = session.messageSpans[step]?.spanId;
    const top = topEvidence(s);
    if (s.scored.some((e) => e.evaluation.evidence.some((ev) => ev.spanId === target))) anyEvidenceStep++;
    if (!top) continue;
    withEvidence++;
    if (top.spanId === target) stepHits++;
    const index = session.messageSpans.findIndex((ref) => ref?.spanId === top.spanId);
    if (index >= 0 && Math.abs(index - step) <= 1) nearHits++;
    if (s.view.spanById.get(top.spanId)?.agentName === agent) agentHits++;
  }
  console.log(`Who&When algorithm-generated: ${labelledCount} sessions (all failures), top evidence = first evidence of the top priority reason's evaluator`);
  console.log(`  flagged (verdict failed): ${pct(failedVerdict / labelledCount)}; with any evidence: ${pct(withEvidence / labelledCount)}`);
  console.log(`  top evidence is the labelled mistake step: ${stepHits}/${labelledCount} (${pct(stepHits / labelledCount)}); within one step: ${nearHits} (${pct(nearHits / labelledCount)}); names the labelled agent: ${agentHits} (${pct(agentHits / labelledCount)})`);
  console.log(`  the mistake step is among any evaluator's evidence: ${anyEvidenceStep} (${pct(anyEvidenceStep / labelledCount)})`);
}

const dump = process.argv.includes('--dump');
await airline(dump);
await whoAndWhen();
