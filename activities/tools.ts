/**
 * The security-tools activities: kube-bench (node over SSH, or an in-cluster Job), kube-hunter
 * (remote from the worker, interface on a node over SSH, or `--pod` as a Job) and Trivy (on the worker). Each run's findings go
 * to `<artifactKey>/tools/<tool>-<mode>.findings.json` with its start/end times and the tool version;
 * its raw output to `tools/<tool>-<mode>.raw.txt`. Malformed output fails with the non-retryable type
 * `ToolOutputInvalid` after the raw output is saved.
 */
import { createKubeBenchActivities } from './kubeBench';
import { createKubeHunterActivities } from './kubeHunter';
import { createTrivyActivities } from './trivy';
import { createToolRunKit, type ToolActivityDeps } from './toolRun';

export { ToolFailure, type KubeHunterRunRequest, type TrivyRunRequest, type ToolActivityDeps, type ToolBinaries } from './toolRun';

export function createToolActivities(deps: ToolActivityDeps) {
  const kit = createToolRunKit(deps);
  return { ...createKubeBenchActivities(deps, kit), ...createKubeHunterActivities(deps, kit), ...createTrivyActivities(deps, kit) };
}

export type ToolActivities = ReturnType<typeof createToolActivities>;
