/**
 * After a scenario's window and boot time, before reset, outside the measured time: the attack battery (a
 * scenario as data) and, with tools.auditAfterWindow, kube-bench and kube-hunter as audits. Both change nothing
 * worth an operator's decision (dry runs, reads, a tool's scan), so like a health check they never wait for one:
 * what cannot run is recorded as a failed step beside the scenario's results, and reset follows.
 */
import { isCancellation } from '@temporalio/workflow';
import type { AttackBatteryRequest, AttackBatteryResult, AuditResult, ScenarioRecord, ToolRunRequest } from '../src/domain/contracts';
import { SCENARIO_TOOLS, type ScenarioTool } from '../src/domain/scenarios';
import { stepOptions } from './activityOptions';
import { describeFailure } from './failures';
import type { ActivityProxies } from './proxies';
import { toolRuns } from './toolRuns';

export async function runAttackBattery(
  acts: ActivityProxies,
  record: ScenarioRecord,
  req: AttackBatteryRequest,
): Promise<AttackBatteryResult | undefined> {
  const start = Date.now();
  try {
    const result = await acts<'runAttackBattery'>(
      stepOptions.cluster,
      'attack-battery',
      `attack battery in ${req.namespace}`,
    ).runAttackBattery(req);
    record.steps.push({ step: 'attack-battery', status: 'ok', attempts: 1, start, end: Date.now() });
    return result;
  } catch (err) {
    if (isCancellation(err)) throw err;
    record.steps.push({ step: 'attack-battery', status: 'failed', attempts: 1, start, end: Date.now(), error: describeFailure(err) });
    return undefined;
  }
}

/**
 * kube-bench and kube-hunter with the modes the tools config gives security-tools, recorded as audits (never as
 * tool runs: the CPU charts shade only the window's). `req.artifactKey` is the scenario's `<key>/audit`, so an
 * audit's findings never replace the window's.
 *
 * A tool the scenario already ran inside its window (security-tools: both) is not run again: that run audited the
 * same cluster with the same modes (packs are applied before the window, and nothing changes after it), a second
 * one would only add time, and a Job mode's second Job would share the first's name (one per run and tool).
 */
export async function runAudits(
  acts: ActivityProxies,
  record: ScenarioRecord,
  req: ToolRunRequest,
  inWindow: readonly ScenarioTool[],
  benchNode: string,
): Promise<AuditResult> {
  const result: AuditResult = { runs: [], failures: [], ranInWindow: SCENARIO_TOOLS.filter((t) => inWindow.includes(t)) };
  const label = { idPrefix: 'audit-', summaryPrefix: 'audit after the window: ' };
  for (const run of toolRuns(
    acts,
    req,
    SCENARIO_TOOLS.filter((t) => !inWindow.includes(t)),
    benchNode,
    label,
  )) {
    const start = Date.now();
    try {
      result.runs.push(await run.start());
      record.steps.push({ step: 'audit', status: 'ok', attempts: 1, start, end: Date.now() });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const error = describeFailure(err);
      result.failures.push({ tool: run.tool, mode: run.mode, error });
      record.steps.push({
        step: 'audit',
        status: 'failed',
        attempts: 1,
        start,
        end: Date.now(),
        error: `${run.tool} ${run.mode}: ${error}`,
      });
    }
  }
  return result;
}
