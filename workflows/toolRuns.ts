/**
 * kube-bench and kube-hunter inside a scenario's window, as the experiment's tools config enables them:
 * kube-bench in its mode, kube-hunter once per mode. Each run is a step an operator may retry or skip.
 */
import type { HardenlabActivities, KubeHunterMode } from '../src/domain/activities';
import type { ScenarioRecord, StepName } from '../src/domain/contracts';
import type { ScenarioTool } from '../src/domain/scenarios';
import { stepOptions } from './activityOptions';
import type { ActivityProxies } from './proxies';

export type StepRunner = <T>(name: StepName, run: () => Promise<T>) => Promise<T | undefined>;

export async function runTools(
  step: StepRunner,
  acts: ActivityProxies,
  req: Parameters<HardenlabActivities['runKubeBench']>[0],
  only: readonly ScenarioTool[],
  benchNode: string,
): Promise<ScenarioRecord['tools']> {
  const summaries: NonNullable<ScenarioRecord['tools']> = [];
  if (req.tools.kubeBench.enabled && only.includes('kube-bench')) {
    const { mode } = req.tools.kubeBench;
    const kubeBench = acts<'runKubeBench'>(stepOptions.tools, `kube-bench-${mode}`, mode === 'node' ? `kube-bench node on ${benchNode}` : 'kube-bench as a Job in the cluster');
    const summary = await step('run-tools', () => kubeBench.runKubeBench(req));
    if (summary) summaries.push(summary);
  }
  if (req.tools.kubeHunter.enabled && only.includes('kube-hunter')) {
    for (const mode of req.tools.kubeHunter.modes as KubeHunterMode[]) {
      const target = mode === 'remote' ? ` against ${req.tools.kubeHunter.remoteTarget ?? 'the API server'}` : mode === 'interface' ? ` on ${benchNode}` : ' as a pod';
      const kubeHunter = acts<'runKubeHunter'>(stepOptions.tools, `kube-hunter-${mode}`, `kube-hunter ${mode}${target}`);
      const summary = await step('run-tools', () => kubeHunter.runKubeHunter({ ...req, mode }));
      if (summary) summaries.push(summary);
    }
  }
  return summaries;
}
