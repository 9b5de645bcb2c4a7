/** The words the Temporal UI shows as a workflow's current details. */
import type { ExperimentProgress, ScenarioProgress } from '../src/domain/progress';

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

export function scenarioDetails(p: ScenarioProgress, now: number): string {
  const lines = [`**${p.scenario}** (repetition ${p.repetition}): ${p.status}`, `Step: ${p.step}, attempt ${p.attempt}`];
  if (p.window) {
    const left = Math.max(0, (p.window.endsAt - now) / 1000);
    const total = (p.window.endsAt - p.window.startedAt) / 1000;
    lines.push(`Sampling window: ${formatDuration(total - left)} of ${formatDuration(total)} elapsed, ${formatDuration(left)} left`);
  }
  if (p.waitingForOperator) {
    const w = p.waitingForOperator;
    lines.push(
      `**Waiting for an operator** since step ${w.step} failed: ${w.error}`,
      `Send signal \`operatorDecision\` with {"action": "retry"} or "skip" or "abort" (or run \`hardenlab retry|skip|abort <id>\`); ` +
        `aborts by itself in ${formatDuration((w.deadline - now) / 1000)}.`,
    );
  }
  return lines.join('\n\n');
}

export function experimentDetails(p: ExperimentProgress): string {
  const rows = p.scenarios.map((s) => `- ${s.scenario} #${s.repetition}: ${s.status}${s.error ? ` (${s.error})` : ''}`);
  return [`**Experiment ${p.experimentId}**: ${p.phase}`, ...rows].join('\n');
}
