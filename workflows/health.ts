/**
 * Health checks in the sampling window. A check that cannot reach a node (a short SSH outage) is not a
 * step failure: it records a gap on that node, from the last good check to this one, and the window goes
 * on. Only steps that change the cluster wait for an operator. Consecutive failures extend one gap, and
 * checks are counted, so a long window's record stays small.
 */
import type { SamplingHealth } from '../src/domain/contracts';
import { UNCHECKED_GAP_REASON, type SamplingGap } from '../src/domain/samples';

export const UNCHECKED = UNCHECKED_GAP_REASON;

export interface HealthLedger {
  gaps: SamplingGap[];
  healthChecks?: { count: number; failed: number; lastError?: string };
}

/** Folds one check's outcome into the scenario's record. `nodes` names every sampled node (for a check that failed as a whole). */
export function recordHealth(
  ledger: HealthLedger,
  outcome: { health?: SamplingHealth; error?: string },
  nodes: string[],
  since: number,
  now: number,
): void {
  const counts = (ledger.healthChecks ??= { count: 0, failed: 0 });
  counts.count++;
  // Every check reports all gaps the node has recorded so far: keep each gap once.
  for (const gap of outcome.health?.gaps ?? []) {
    if (!ledger.gaps.some((k) => k.node === gap.node && k.start === gap.start)) ledger.gaps.push(gap);
  }
  const unreachable =
    outcome.error !== undefined
      ? (nodes.length > 0 ? nodes : ['*']).map((node) => ({ node, error: outcome.error! }))
      : (outcome.health?.nodes ?? []).flatMap((n) => (n.error ? [{ node: n.node, error: n.error }] : []));
  if (unreachable.length === 0) return;
  counts.failed++;
  counts.lastError = unreachable[0]!.error;
  for (const { node, error } of unreachable) {
    const open = ledger.gaps.find((g) => g.node === node && g.reason.startsWith(UNCHECKED) && g.end === since);
    if (open) open.end = now;
    else ledger.gaps.push({ node, start: since, end: now, reason: `${UNCHECKED}: ${error}` });
  }
}
