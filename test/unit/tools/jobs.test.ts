import { jobFailure, jobState, kubeBenchJob, kubeHunterJob, KUBE_BENCH_HOST_MOUNTS, toolJobName, toolJobNamespace } from '../../../src/tools/jobs';

type Container = { name: string; image: string; command: string[]; args?: string[]; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] };
type PodSpec = { hostPID?: boolean; restartPolicy: string; nodeName?: string; containers: Container[]; volumes?: { name: string; hostPath: { path: string } }[] };
type JobSpec = { backoffLimit: number; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };

const scope = { runId: 'hl-tools-r1-0a1b2c3d', namespace: 'hl-tools-r1-0a1b2c3d' };

describe('kube-bench Job (upstream job.yaml shape)', () => {
  const job = kubeBenchJob({ ...scope, image: 'docker.io/aquasec/kube-bench:v0.14.0', benchmark: 'cis-1.11', targets: ['master', 'node'] });
  const spec = job.spec as JobSpec;
  const pod = spec.template.spec;

  it('carries the run labels on the Job and its pods', () => {
    for (const labels of [job.metadata.labels!, spec.template.metadata.labels]) {
      expect(labels['app.kubernetes.io/managed-by']).toBe('hardenlab');
      expect(labels['hardenlab.io/run']).toBe(scope.runId);
    }
    expect(job.metadata.namespace).toBe(scope.namespace);
  });

  it('runs in the host PID namespace with every upstream host folder mounted read-only', () => {
    expect(pod.hostPID).toBe(true);
    expect(pod.restartPolicy).toBe('Never');
    const container = pod.containers[0]!;
    expect(container.volumeMounts).toHaveLength(KUBE_BENCH_HOST_MOUNTS.length);
    for (const mount of container.volumeMounts!) expect(mount.readOnly).toBe(true);
    const hostPaths = pod.volumes!.map((v) => v.hostPath.path);
    expect(hostPaths).toEqual(expect.arrayContaining(['/etc/kubernetes', '/var/lib/kubelet', '/var/lib/etcd', '/etc/systemd', '/lib/systemd']));
    const mountOf = (host: string) => container.volumeMounts!.find((m) => m.name === pod.volumes!.find((v) => v.hostPath.path === host)!.name)!.mountPath;
    expect(mountOf('/etc/kubernetes')).toBe('/etc/kubernetes');
    expect(mountOf('/usr/bin')).toBe('/usr/local/mount-from-host/bin');
  });

  it('prints only the JSON report to the pod log and fails the pod when kube-bench fails', () => {
    const script = pod.containers[0]!.command.join(' ');
    expect(pod.containers[0]!.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(script).toContain('kube-bench run --targets master,node --benchmark cis-1.11 --json --outputfile /tmp/kube-bench.json');
    expect(script).toMatch(/\|\| \{ cat \/tmp\/kube-bench.err >&2; exit 1; \}; cat \/tmp\/kube-bench.json$/);
  });

  it('is named per run (a retried activity re-applies the same Job) and never retries the pod', () => {
    expect(job.metadata.name).toBe(toolJobName('kube-bench', scope.runId));
    expect(job.metadata.name).toMatch(/^kube-bench-[0-9a-f]{8}$/);
    expect(kubeBenchJob({ ...scope, image: 'x' }).metadata.name).toBe(job.metadata.name);
    expect(toolJobName('kube-bench', 'other-run')).not.toBe(job.metadata.name);
    expect(spec.backoffLimit).toBe(0);
  });

  it('pins the pod to the configured node only when one is given', () => {
    expect(pod.nodeName).toBeUndefined();
    expect((kubeBenchJob({ ...scope, image: 'x', nodeName: 'kwok-node-0' }).spec as JobSpec).template.spec.nodeName).toBe('kwok-node-0');
  });
});

describe('kube-hunter pod Job', () => {
  it('runs --pod with the JSON report and no log, passive unless enabled', () => {
    const job = kubeHunterJob({ ...scope, image: 'aquasec/kube-hunter:0.6.8', active: false });
    const container = (job.spec as JobSpec).template.spec.containers[0]!;
    expect(container.image).toBe('aquasec/kube-hunter:0.6.8');
    expect(container.command).toEqual(['kube-hunter']);
    expect(container.args).toEqual(['--pod', '--report', 'json', '--log', 'none']);
    expect(job.metadata.labels!['hardenlab.io/run']).toBe(scope.runId);
    expect((job.spec as JobSpec).template.spec.hostPID).toBeUndefined();
    const active = kubeHunterJob({ ...scope, image: 'aquasec/kube-hunter:0.6.8', active: true });
    expect((active.spec as JobSpec).template.spec.containers[0]!.args).toContain('--active');
  });
});

describe('Job state', () => {
  const withConditions = (conditions: object[]) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, status: { conditions } });
  it('reads Complete and Failed conditions', () => {
    expect(jobState(null)).toBe('missing');
    expect(jobState(withConditions([]))).toBe('running');
    expect(jobState(withConditions([{ type: 'Complete', status: 'True' }]))).toBe('complete');
    expect(jobState(withConditions([{ type: 'Complete', status: 'False' }]))).toBe('running');
    const failed = withConditions([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]);
    expect(jobState(failed)).toBe('failed');
    expect(jobFailure(failed)).toBe('BackoffLimitExceeded: Job has reached the specified backoff limit');
  });
});

describe('where a tool Job runs', () => {
  const runNamespace = (labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: scope.namespace, labels } });

  it("runs in the run's namespace when nothing there refuses privileged pods", () => {
    expect(toolJobNamespace(runNamespace(), scope)).toEqual({ namespace: scope.namespace });
    expect(toolJobNamespace(runNamespace({ 'pod-security.kubernetes.io/enforce': 'privileged' }), scope)).toEqual({ namespace: scope.namespace });
  });

  it.each(['baseline', 'restricted'])('moves to a namespace of the run that admits the pod when the run enforces Pod Security %s', (level) => {
    const placement = toolJobNamespace(runNamespace({ 'pod-security.kubernetes.io/enforce': level }), scope);
    expect(placement.namespace).toMatch(/^hl-tools-[0-9a-f]{8}$/);
    expect(placement.namespace).not.toBe(scope.namespace);
    expect(placement.create?.metadata).toEqual({
      name: placement.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'hardenlab', 'hardenlab.io/run': scope.runId, 'pod-security.kubernetes.io/enforce': 'privileged' },
    });
    expect(placement.why).toBe(`ran in namespace ${placement.namespace}: the run's namespace ${scope.namespace} enforces Pod Security "${level}", which refuses the tool's pod`);
  });
});
