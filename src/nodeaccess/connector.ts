/**
 * Opens node sessions through the Kubernetes API instead of SSH: per run and node, the access pod
 * (accessPod.ts) is created (or created again when it was deleted or its node rebooted) and awaited, then
 * each command is an exec into it (podSession.ts). Behind the SshConnector interface, so activities do not
 * know which transport they use.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { NodeEntry } from '../config/nodeMap';
import { failureTypeOf, KubeFailure } from '../kube/kubeFailures';
import type { KubeClient, KubeObject } from '../kube/kubeObjects';
import { waitForObject, waitTimeout } from '../kube/wait';
import type { NodeScope, SshConnector, SshSession } from '../ssh/sessionContract';
import type { PodExec } from './exec';
import { accessNamespace, accessPod, accessPodName, accessNamespaceName } from './accessPod';
import { accessRefusal, type NodeShape } from './nodeFit';
import { KubeNodeSession } from './podSession';

export const NodeAccessFailure = {
  /** The node cannot host the access pod (absent, admission refused it, an image it cannot use): not worth retrying. */
  Refused: 'NodeAccessRefused',
  /** A connection without the run it serves: a programming error. */
  NoRun: 'NodeAccessWithoutRun',
} as const;

export interface KubeNodeConnectorOptions {
  kube: () => Promise<KubeClient>;
  podExec: () => Promise<PodExec>;
  /** The access pod's image (the worker config's `nodeAccessImage`). */
  image: string;
  /** Taint keys the access pod may tolerate beyond the node lifecycle's and the control plane's (`nodeAccessTolerations`). */
  tolerations: readonly string[];
  /** How long a new access pod may take to run (image pull included); default 3 minutes. */
  podReadyTimeoutMs?: number;
}

interface PodState {
  phase?: string;
  containerStatuses?: { ready?: boolean; state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string } } }[];
}

/** Waiting reasons that will not go away by themselves. */
const HOPELESS = new Set(['ErrImageNeverPull', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError']);

function podState(pod: KubeObject | null): PodState {
  return ((pod as { status?: PodState } | null)?.status ?? {}) as PodState;
}

function describePod(pod: KubeObject | null): string {
  if (!pod) return 'absent';
  const status = podState(pod);
  const container = status.containerStatuses?.[0]?.state;
  const waiting = container?.waiting ? `, waiting: ${container.waiting.reason ?? ''} ${container.waiting.message ?? ''}`.trimEnd() : '';
  return `phase ${status.phase ?? 'unknown'}${waiting}`;
}

export class KubeNodeConnector implements SshConnector {
  constructor(private readonly options: KubeNodeConnectorOptions) {}

  async connect(node: NodeEntry, scope?: NodeScope): Promise<SshSession> {
    if (!scope) {
      throw ApplicationFailure.nonRetryable(
        `node ${node.name}: Kubernetes node access needs the run the access pod belongs to`,
        NodeAccessFailure.NoRun,
      );
    }
    const kube = await this.options.kube();
    const nodeObject = await kube.get<KubeObject>('v1', 'Node', node.name);
    if (!nodeObject) {
      throw ApplicationFailure.nonRetryable(
        `node ${node.name} is not in the cluster: no access pod can run there`,
        NodeAccessFailure.Refused,
        { node: node.name },
      );
    }
    const namespace = accessNamespaceName(scope.runId);
    const name = accessPodName(node.name);
    const taints = (nodeObject.spec as { taints?: { key: string; effect?: string }[] } | undefined)?.taints ?? [];
    await this.refusing(node.name, () => kube.apply(accessNamespace(scope.runId)));
    await this.waitDefaultServiceAccount(kube, node.name, namespace);
    let pod = await kube.get<KubeObject>('v1', 'Pod', name, namespace);
    const phase = podState(pod).phase;
    // A pod whose node rebooted, or that ended, is gone for good (nodeName pods are never rescheduled): make it anew.
    if (pod && (phase === 'Failed' || phase === 'Succeeded' || pod.metadata.deletionTimestamp)) {
      await kube.delete('v1', 'Pod', name, namespace);
      await waitForObject(kube, { apiVersion: 'v1', kind: 'Pod', name, namespace }, (p) => p === null, {
        timeoutMs: 60_000,
        description: `the old access pod on node ${node.name} to go`,
      });
      pod = null;
    }
    if (!pod) {
      // Checked only before a new pod: a node cordoned mid-window keeps the pod it has (and its sampler keeps running).
      const refusal = accessRefusal(node.name, nodeObject as NodeShape, this.options.tolerations);
      if (refusal) throw ApplicationFailure.nonRetryable(refusal, NodeAccessFailure.Refused, { node: node.name });
      await this.refusing(node.name, () =>
        kube.apply(accessPod({ runId: scope.runId, node: node.name, image: this.options.image, taints })),
      );
    }
    const running = await this.waitRunning(kube, node.name, namespace, name);
    const access = { namespace, pod: name, uid: running.metadata.uid ?? '' };
    return new KubeNodeSession({ ...node, user: 'root' }, access, await this.options.podExec());
  }

  /**
   * Admission refuses every pod of a namespace until kube-controller-manager has made its `default` ServiceAccount
   * (the pod mounts no token, but the ServiceAccount plugin still looks it up). A new namespace, or a controller
   * manager catching up after an API server outage, is a wait, not a refusal.
   */
  private async waitDefaultServiceAccount(kube: KubeClient, node: string, namespace: string): Promise<void> {
    const account = { apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', namespace };
    const description = `the default ServiceAccount of ${namespace} (kube-controller-manager makes it) before the access pod on ${node}`;
    const timeoutMs = this.options.podReadyTimeoutMs ?? 180_000;
    const outcome = await waitForObject(kube, account, (sa) => sa !== null, { timeoutMs, description });
    if (!outcome.satisfied) throw waitTimeout(description, timeoutMs, 'no such ServiceAccount');
  }

  /** Admission (Pod Security, a policy, GKE Autopilot) refusing the pod is an answer, not a hiccup: say which node and why. */
  private async refusing<T>(node: string, apply: () => Promise<T>): Promise<T> {
    try {
      return await apply();
    } catch (error) {
      const type = failureTypeOf(error);
      if (type === KubeFailure.KubeForbidden || type === KubeFailure.KubeInvalidManifest) {
        throw ApplicationFailure.nonRetryable(
          `node ${node}: the cluster refused the access pod: ${(error as Error).message}`,
          NodeAccessFailure.Refused,
          { node },
        );
      }
      throw error;
    }
  }

  private async waitRunning(kube: KubeClient, node: string, namespace: string, name: string): Promise<KubeObject> {
    const timeoutMs = this.options.podReadyTimeoutMs ?? 180_000;
    const description = `the access pod ${namespace}/${name} on node ${node} to run`;
    const settled = (pod: KubeObject | null) => {
      const status = podState(pod);
      const container = status.containerStatuses?.[0];
      return (
        (status.phase === 'Running' && container?.ready === true) ||
        status.phase === 'Failed' ||
        HOPELESS.has(container?.state?.waiting?.reason ?? '')
      );
    };
    const outcome = await waitForObject(kube, { apiVersion: 'v1', kind: 'Pod', name, namespace }, settled, { timeoutMs, description });
    const status = podState(outcome.object);
    if (outcome.satisfied && status.phase === 'Running') return outcome.object!;
    if (outcome.satisfied) {
      throw ApplicationFailure.nonRetryable(
        `node ${node}: the access pod cannot run (${describePod(outcome.object)})`,
        NodeAccessFailure.Refused,
        { node },
      );
    }
    throw waitTimeout(description, timeoutMs, describePod(outcome.object));
  }
}
