/**
 * The churn's pods (issue 27), as plain manifests: the scenario's own workload pod (its image, and in a hardened
 * scenario its restricted security context), so hardened scenarios create hardened pods. Pure.
 */
import type { WorkloadSpec } from '../config/experiment';
import { runLabels, runLabelSelector, workloadDeployment, type RunScope } from '../kube/manifests';
import type { KubeObject } from '../kube/kubeObjects';

/** Marks a churn pod; with the run labels, reset removes every one of them. */
export const CHURN_LABEL = 'hardenlab.io/churn';
const NAME_PREFIX = 'hardenlab-churn-';

/** Pod i of the schedule: a fixed name, so a retried create finds the pod instead of making a second one. */
export function churnPodName(index: number): string {
  return `${NAME_PREFIX}${index}`;
}

/** The schedule index of a churn pod's name; undefined for any other name. */
export function churnIndexOf(name: string): number | undefined {
  const match = /^hardenlab-churn-(\d{1,9})$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

export function churnSelector(runId: string): string {
  return `${runLabelSelector(runId)},${CHURN_LABEL}=true`;
}

export function churnPod(scope: RunScope, workload: WorkloadSpec, hardened: boolean, index: number): KubeObject {
  const template = workloadDeployment(scope, workload, { hardened, replicas: 1 }).spec as { template: { spec: Record<string, unknown> } };
  const spec = structuredClone(template.template.spec);
  const containers = spec.containers as Record<string, unknown>[];
  // A pull per pod would time the registry, not admission and scheduling.
  for (const container of containers) container.imagePullPolicy = 'IfNotPresent';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    // Not the app's labels: the Service and its NetworkPolicy must not select churn pods.
    metadata: { name: churnPodName(index), namespace: scope.namespace, labels: { ...runLabels(scope.runId), [CHURN_LABEL]: 'true' } },
    spec,
  };
}
