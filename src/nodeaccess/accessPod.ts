/**
 * Node access through the Kubernetes API (issue 24): per node one hostPID pod pinned by nodeName, in a
 * namespace of the run's own that admits it, labelled for the run so reset removes both. Commands enter
 * PID 1's namespaces with nsenter, so they see the node's own files, tools and /proc, as over SSH.
 * Pure builders: the connector (connector.ts) applies them.
 */
import { shortHash } from '../domain/naming';
import { runLabels } from '../kube/manifests';
import type { KubeObject } from '../kube/kubeObjects';

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
  const cleaned = node
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
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
      // The access pod is hostPID with added capabilities by design; Pod Security must admit it in this namespace only.
      labels: { ...runLabels(runId), [POD_SECURITY_ENFORCE]: 'privileged', 'app.kubernetes.io/component': 'node-access' },
    },
  };
}

/**
 * What nsenter into PID 1 needs, and no more: `privileged` would also open every host device and lift the
 * device cgroup, which hardened nodes refuse (the test bed's do). Entering another mount namespace takes
 * CAP_SYS_ADMIN and CAP_SYS_CHROOT, opening PID 1's namespace files CAP_SYS_PTRACE; the runtime's default
 * seccomp and AppArmor profiles forbid setns and mount, so both are unconfined. Commands in the node keep
 * the container runtime's default capabilities plus these (root's file access, kill, raw sockets).
 */
export const ACCESS_SECURITY_CONTEXT = {
  privileged: false,
  allowPrivilegeEscalation: true,
  runAsUser: 0,
  capabilities: { add: ['SYS_ADMIN', 'SYS_CHROOT', 'SYS_PTRACE'] },
  seccompProfile: { type: 'Unconfined' },
  appArmorProfile: { type: 'Unconfined' },
} as const;

/** Taints the node lifecycle controller sets while a node is not Ready or not heard from. */
const NODE_LIFECYCLE_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

export function accessPod(options: AccessPodOptions): KubeObject {
  const own = (options.taints ?? []).map((t) => ({ key: t.key, operator: 'Exists', ...(t.effect ? { effect: t.effect } : {}) }));
  // Without these, a node briefly unreachable (an API server outage outlasting the grace period) gets a NoExecute
  // taint that evicts the pod, and each check would make it anew; kube-proxy's pods tolerate them the same way.
  const lifecycle = NODE_LIFECYCLE_TAINTS.filter((key) => !own.some((t) => t.key === key)).map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
  }));
  const tolerations = [...own, ...lifecycle];
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
          securityContext: ACCESS_SECURITY_CONTEXT,
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
  // `/bin/sh`, not `sh`: a busybox nsenter (the default image's) runs a bare `sh` as its own applet, whose
  // `date`, `sha256sum` and `stat` are busybox's, not the node's; a path makes it exec the node's shell.
  return ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', '/bin/sh', '-c', `${NODE_SHELL_PREAMBLE}\n${command}`];
}

/** Root's environment and home, as an SSH login as root would give them. */
export const NODE_SHELL_PREAMBLE = 'HOME=/root; export HOME; cd "$HOME" 2>/dev/null || cd /';
