/**
 * In-cluster Jobs of the security tools (pure manifest builders): kube-bench's upstream Job shape (hostPID,
 * read-only hostPath mounts of the Kubernetes, kubelet, etcd and systemd folders) and kube-hunter `--pod`.
 * Both carry the run's labels, so the reset step removes them with everything else of the run.
 */
import { shortHash } from '../domain/naming';
import { runLabels } from '../kube/manifests';
import type { KubeObject } from '../kube/kubeObjects';
import { shellCommand } from '../ssh/shell';
import { kubeBenchArgs, kubeHunterArgs, type KubeBenchTarget } from './toolCommands';

export const KUBE_BENCH_CONTAINER = 'kube-bench';
export const KUBE_HUNTER_CONTAINER = 'kube-hunter';

export interface ToolJobScope {
  runId: string;
  namespace: string;
}

/** One Job per tool and run: a retried activity re-applies the same Job instead of starting another. */
export function toolJobName(tool: 'kube-bench' | 'kube-hunter', runId: string): string {
  return `${tool}-${shortHash(runId)}`;
}

const POD_SECURITY_ENFORCE = 'pod-security.kubernetes.io/enforce';

/**
 * Where a tool's Job runs. In the run's namespace, unless a pack enforces Pod Security there (kube-bench's
 * hostPID/hostPath pod, and kube-hunter's root one, would be refused and the Job would wait out its timeout):
 * then in a namespace of the run's own that admits them, labelled for the run so reset removes it.
 */
export function toolJobNamespace(
  runNamespace: KubeObject | null,
  scope: ToolJobScope,
): { namespace: string; create?: KubeObject; why?: string } {
  const level = runNamespace?.metadata.labels?.[POD_SECURITY_ENFORCE];
  if (!level || level === 'privileged') return { namespace: scope.namespace };
  const namespace = `hl-tools-${shortHash(scope.namespace)}`;
  return {
    namespace,
    create: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { ...runLabels(scope.runId), [POD_SECURITY_ENFORCE]: 'privileged' } },
    },
    why:
      `ran in namespace ${namespace}: the run's namespace ${scope.namespace} enforces Pod Security "${level}", which refuses the ` +
      `tool's pod`,
  };
}

/** The host folders kube-bench reads, as upstream's job.yaml mounts them (host path → container path). */
export const KUBE_BENCH_HOST_MOUNTS: readonly { name: string; hostPath: string; mountPath: string }[] = [
  { name: 'var-lib-cni', hostPath: '/var/lib/cni', mountPath: '/var/lib/cni' },
  { name: 'var-lib-etcd', hostPath: '/var/lib/etcd', mountPath: '/var/lib/etcd' },
  { name: 'var-lib-kubelet', hostPath: '/var/lib/kubelet', mountPath: '/var/lib/kubelet' },
  { name: 'var-lib-kube-scheduler', hostPath: '/var/lib/kube-scheduler', mountPath: '/var/lib/kube-scheduler' },
  { name: 'var-lib-kube-controller-manager', hostPath: '/var/lib/kube-controller-manager', mountPath: '/var/lib/kube-controller-manager' },
  { name: 'etc-systemd', hostPath: '/etc/systemd', mountPath: '/etc/systemd' },
  { name: 'lib-systemd', hostPath: '/lib/systemd', mountPath: '/lib/systemd/' },
  { name: 'srv-kubernetes', hostPath: '/srv/kubernetes', mountPath: '/srv/kubernetes/' },
  { name: 'etc-kubernetes', hostPath: '/etc/kubernetes', mountPath: '/etc/kubernetes' },
  { name: 'usr-bin', hostPath: '/usr/bin', mountPath: '/usr/local/mount-from-host/bin' },
  { name: 'etc-cni-netd', hostPath: '/etc/cni/net.d/', mountPath: '/etc/cni/net.d/' },
  { name: 'opt-cni-bin', hostPath: '/opt/cni/bin/', mountPath: '/opt/cni/bin/' },
];

export interface KubeBenchJobOptions extends ToolJobScope {
  image: string;
  benchmark?: string;
  kubeVersion?: string;
  targets?: readonly KubeBenchTarget[];
  /** Pin the Job to this node (kube-bench checks the node it runs on). */
  nodeName?: string;
}

/** Where the container writes its report before printing it, so that kube-bench's log never mixes into it. */
const IN_POD_REPORT = '/tmp/kube-bench.json';

export function kubeBenchJob(options: KubeBenchJobOptions): KubeObject {
  const labels = { ...runLabels(options.runId), 'app.kubernetes.io/name': 'kube-bench' };
  const run = shellCommand(['kube-bench', ...kubeBenchArgs({ ...options, outputFile: IN_POD_REPORT })]);
  // The pod log is the report: JSON only on stdout; kube-bench's own messages go to stderr on failure.
  const script = `${run} 2>/tmp/kube-bench.err || { cat /tmp/kube-bench.err >&2; exit 1; }; cat ${IN_POD_REPORT}`;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: toolJobName('kube-bench', options.runId), namespace: options.namespace, labels },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          hostPID: true,
          restartPolicy: 'Never',
          ...(options.nodeName ? { nodeName: options.nodeName } : {}),
          containers: [
            {
              name: KUBE_BENCH_CONTAINER,
              image: options.image,
              command: ['/bin/sh', '-c', script],
              volumeMounts: KUBE_BENCH_HOST_MOUNTS.map((m) => ({ name: m.name, mountPath: m.mountPath, readOnly: true })),
            },
          ],
          volumes: KUBE_BENCH_HOST_MOUNTS.map((m) => ({ name: m.name, hostPath: { path: m.hostPath } })),
        },
      },
    },
  };
}

export interface KubeHunterJobOptions extends ToolJobScope {
  image: string;
  active: boolean;
}

/** kube-hunter as a pod inside the cluster (`--pod`), as upstream's job.yaml runs it. */
export function kubeHunterJob(options: KubeHunterJobOptions): KubeObject {
  const labels = { ...runLabels(options.runId), 'app.kubernetes.io/name': 'kube-hunter' };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: toolJobName('kube-hunter', options.runId), namespace: options.namespace, labels },
    spec: {
      // A second attempt would hunt again and mix two runs' CPU cost into the measurements.
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: KUBE_HUNTER_CONTAINER,
              image: options.image,
              command: ['kube-hunter'],
              args: kubeHunterArgs({ mode: 'pod', active: options.active }),
            },
          ],
        },
      },
    },
  };
}

/** A Job's state from its status conditions. */
export function jobState(job: KubeObject | null): 'missing' | 'running' | 'complete' | 'failed' {
  if (!job) return 'missing';
  const conditions = ((job.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? []).filter(
    (c) => c.status === 'True',
  );
  if (conditions.some((c) => c.type === 'Complete')) return 'complete';
  if (conditions.some((c) => c.type === 'Failed')) return 'failed';
  return 'running';
}

/** The Failed condition's reason and message, for errors. */
export function jobFailure(job: KubeObject): string {
  const failed = (
    (job.status as { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] } | undefined)?.conditions ?? []
  ).find((c) => c.type === 'Failed' && c.status === 'True');
  return failed ? `${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`.trim() : 'failed';
}
