/**
 * Node access through the Kubernetes API (issue 24): per node one privileged, hostPID pod pinned by
 * nodeName, in a namespace of the run's own that admits it, labelled for the run so reset removes both.
 * Commands enter PID 1's namespaces with nsenter, so they see the node's own files, tools and /proc, as
 * over SSH. Pure builders: the connector (connector.ts) applies them.
 */
import { shortHash } from '../domain/naming';
import { runLabels } from '../kube/manifests';
import type { KubeObject } from '../kube/types';

export const ACCESS_CONTAINER = 'node-access';
const POD_SECURITY_ENFORCE = 'pod-security.kubernetes.io/enforce';

export interface AccessPodOptions {
  runId: string;
  /** The Kubernetes node name. */
  node: string;
  image: string;
  /** The node's taints: the pod tolerates exactly these (a cordon does not stop a pod with nodeName). */
  taints?: readonly { key: string; effect?: string; value?: string }[];
}

/** The run's access namespace: one per run, so two runs never share (or delete) each other's pods. */
export function accessNamespaceName(runId: string): string {
  return `hl-access-${shortHash(runId)}`;
}

/** A DNS label from the node name (≤ 63 characters), with a hash when it had to be shortened or changed. */
export function accessPodName(node: string): string {
  const cleaned = node.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const name = `node-access-${cleaned}`;
  if (cleaned === node && name.length <= 63) return name;
  return `${name.slice(0, 53).replace(/-+$/, '')}-${shortHash(node).slice(0, 8)}`;
}

export function accessNamespace(runId: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: accessNamespaceName(runId),
      // The access pod is privileged and hostPID by design; Pod Security must admit it in this namespace only.
      labels: { ...runLabels(runId), [POD_SECURITY_ENFORCE]: 'privileged', 'app.kubernetes.io/component': 'node-access' },
    },
  };
}

export function accessPod(options: AccessPodOptions): KubeObject {
  const tolerations = (options.taints ?? []).map((t) => ({ key: t.key, operator: 'Exists', ...(t.effect ? { effect: t.effect } : {}) }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: accessPodName(options.node),
      namespace: accessNamespaceName(options.runId),
      labels: { ...runLabels(options.runId), 'app.kubernetes.io/component': 'node-access' },
      annotations: { 'hardenlab.io/node': options.node },
    },
    spec: {
      nodeName: options.node,
      hostPID: true,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 1,
      tolerations,
      containers: [
        {
          name: ACCESS_CONTAINER,
          image: options.image,
          imagePullPolicy: 'IfNotPresent',
          // Idle until deleted; every command is a separate exec.
          command: ['sleep', '2147483647'],
          securityContext: { privileged: true },
          resources: { requests: { cpu: '1m', memory: '4Mi' } },
        },
      ],
    },
  };
}

/**
 * The argv an exec runs for `command`: PID 1's mount, UTS, IPC, network and PID namespaces, then a shell in
 * root's home (SSH starts commands there, and the sampler's paths are relative to it). An argument array:
 * the command reaches `sh -c` as one word whatever it contains, so no quoting is needed at this layer.
 */
export function nodeShellArgv(command: string): string[] {
  return ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'sh', '-c', `${NODE_SHELL_PREAMBLE}\n${command}`];
}

/** Root's environment and home, as an SSH login as root would give them. */
export const NODE_SHELL_PREAMBLE = 'HOME=/root; export HOME; cd "$HOME" 2>/dev/null || cd /';
