import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runLabelSelector } from '../../../src/kube/manifests';
import { accessNamespace, accessNamespaceName, accessPod, accessPodName, nodeShellArgv } from '../../../src/nodeaccess/accessPod';
import { exitFromStatus, PodExecStreamError } from '../../../src/nodeaccess/exec';

const run = promisify(execFile);

function labelsMatch(labels: Record<string, string> | undefined, selector: string): boolean {
  return selector.split(',').every((pair) => {
    const [key, value] = pair.split('=');
    return labels?.[key!] === value;
  });
}

describe('the access pod', () => {
  const pod = accessPod({
    runId: 'exp-1/baseline/1',
    node: 'sim-node-2',
    image: 'registry.example/busybox@sha256:abc',
    taints: [{ key: 'dedicated', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unschedulable' }],
  });
  const spec = pod.spec as Record<string, unknown> & { containers: Record<string, unknown>[] };

  test('is pinned to its node by nodeName, hostPID, with the capabilities nsenter needs and no service-account token', () => {
    expect(spec).toMatchObject({ nodeName: 'sim-node-2', hostPID: true, automountServiceAccountToken: false });
    expect(spec.containers).toHaveLength(1);
    expect(spec.containers[0]).toMatchObject({ image: 'registry.example/busybox@sha256:abc' });
    // Not privileged: that would open every host device, which hardened nodes (the test bed's) refuse.
    expect(spec.containers[0]!.securityContext).toEqual({
      privileged: false,
      allowPrivilegeEscalation: true,
      runAsUser: 0,
      capabilities: { add: ['SYS_ADMIN', 'SYS_CHROOT', 'SYS_PTRACE'] },
      seccompProfile: { type: 'Unconfined' },
      appArmorProfile: { type: 'Unconfined' },
    });
    expect(spec).not.toHaveProperty('hostNetwork');
  });

  test("tolerates the node's taints, and the lifecycle's NoExecute ones so an unreachable spell does not evict it", () => {
    expect(spec.tolerations).toEqual([
      { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists' },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    ]);
    expect(accessPod({ runId: 'r', node: 'n', image: 'i' }).spec).toMatchObject({
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      ],
    });
  });

  test("lives in the run's own namespace, which admits privileged pods, both labelled so reset finds them", () => {
    const ns = accessNamespace('exp-1/baseline/1');
    expect(pod.metadata.namespace).toBe(ns.metadata.name);
    expect(ns.metadata.name).toBe(accessNamespaceName('exp-1/baseline/1'));
    expect(ns.metadata.name).not.toBe(accessNamespaceName('exp-1/baseline/2'));
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(labelsMatch(ns.metadata.labels, runLabelSelector('exp-1/baseline/1'))).toBe(true);
    expect(labelsMatch(pod.metadata.labels, runLabelSelector('exp-1/baseline/1'))).toBe(true);
    expect(labelsMatch(pod.metadata.labels, runLabelSelector('exp-1/baseline/2'))).toBe(false);
  });

  test('pod names are DNS labels, distinct for node names that clean up alike', () => {
    const names = ['sim-node-1', 'Node_A.example.com', 'node-a-example-com', 'x'.repeat(200)].map(accessPodName);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
    expect(names[0]).toBe('node-access-sim-node-1');
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('commands on the node', () => {
  test("enter PID 1's mount, UTS, IPC, network and PID namespaces, then run the command as one shell word", () => {
    const argv = nodeShellArgv('echo hi');
    expect(argv.slice(0, 11)).toEqual(['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', '/bin/sh', '-c']);
    expect(argv).toHaveLength(12);
  });

  test("any command text reaches sh -c unchanged, in root's home: quotes, $(...), newlines and semicolons stay data", async () => {
    const hostile = `printf '%s|' "a b" '$(echo injected)' "it's" ; printf '%s\\n' "$HOME"\necho "line two; still"`;
    const script = nodeShellArgv(hostile).at(-1)!;
    // The same argv without the nsenter prefix: what runs inside the node's namespaces.
    const { stdout } = await run('sh', ['-c', script], { env: { PATH: process.env.PATH } });
    expect(stdout).toBe("a b|$(echo injected)|it's|/root\nline two; still\n");
  });
});

describe('exit status from the exec stream', () => {
  test('Success is 0, NonZeroExitCode carries the code, anything else is a stream error worth retrying', () => {
    expect(exitFromStatus({ status: 'Success' })).toEqual({ code: 0 });
    expect(
      exitFromStatus({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '4' }] } }),
    ).toEqual({ code: 4 });
    expect(() => exitFromStatus({ status: 'Failure', reason: 'InternalError', message: 'container not found ("node-access")' })).toThrow(
      PodExecStreamError,
    );
    expect(() => exitFromStatus({ status: 'Failure', reason: 'InternalError', message: 'container not found ("node-access")' })).toThrow(
      /container not found/,
    );
  });
});
