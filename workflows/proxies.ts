/**
 * Activity proxies for a scenario run, named by what they do: the Temporal UI lists `deploy`,
 * `kube-hunter-remote`, … for runs started since the patch; runs an earlier release started keep their
 * sequence-number ids. The summary is what the UI's timeline shows (user metadata: replay ignores it, so
 * every run gets one).
 */
import { type ActivityInterfaceFor, proxyActivities } from '@temporalio/workflow';
import type { HardenlabActivities } from '../src/domain/activities';
import type { stepOptions } from './activityOptions';

type StepOptions = (typeof stepOptions)[keyof typeof stepOptions];
/** Activity proxies: `acts<'deployWorkload'>(stepOptions.cluster, 'deploy', 'deploy the workload into hl-base-r1-…')`. */
export type ActivityProxies = <K extends keyof HardenlabActivities>(
  options: StepOptions,
  activityId: string,
  summary: string,
) => ActivityInterfaceFor<Pick<HardenlabActivities, K>>;

export function activityProxies(namedIds: boolean): ActivityProxies {
  return <K extends keyof HardenlabActivities>(options: StepOptions, activityId: string, summary: string) =>
    proxyActivities<Pick<HardenlabActivities, K>>(namedIds ? { ...options, activityId, summary } : { ...options, summary });
}
