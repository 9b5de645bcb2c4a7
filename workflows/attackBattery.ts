/**
 * The attack battery step of a scenario as data. It changes nothing on the cluster (dry runs and reads),
 * so like a health check it never waits for an operator: a battery that cannot run is recorded as a failed
 * step beside the scenario's results, and reset follows.
 */
import { isCancellation } from '@temporalio/workflow';
import type { AttackBatteryRequest, AttackBatteryResult, ScenarioRecord } from '../src/domain/contracts';
import { stepOptions } from './activityOptions';
import { describeFailure } from './failures';
import type { ActivityProxies } from './proxies';

export async function runAttackBattery(acts: ActivityProxies, record: ScenarioRecord, req: AttackBatteryRequest): Promise<AttackBatteryResult | undefined> {
  const start = Date.now();
  try {
    const result = await acts<'runAttackBattery'>(stepOptions.cluster, 'attack-battery', `attack battery in ${req.namespace}`).runAttackBattery(req);
    record.steps.push({ step: 'attack-battery', status: 'ok', attempts: 1, start, end: Date.now() });
    return result;
  } catch (err) {
    if (isCancellation(err)) throw err;
    record.steps.push({ step: 'attack-battery', status: 'failed', attempts: 1, start, end: Date.now(), error: describeFailure(err) });
    return undefined;
  }
}
