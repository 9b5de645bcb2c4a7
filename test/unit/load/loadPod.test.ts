/**
 * The load pod (issue 27): its manifest (restricted, labelled for reset, argument arrays, the request set as its own
 * annotation), vegeta's output read back (good and bad), and what a retried activity does with an earlier attempt's pod.
 */
import { LOAD_POD_LABEL, loadPod, loadPodSelector, vegetaRate } from '../../../src/load/loadPod';
import { runLoadPod } from '../../../src/load/loadPodRun';
import { LoadPodOutputError, parseAttackUsage, parseVegetaReport, podLoadResult } from '../../../src/load/vegetaReport';
import { REQUEST_SETS } from '../../../src/domain/requestSets';
import type { KubeClient, KubeObject } from '../../../src/kube/kubeObjects';

const IMAGE = `docker.io/hardenlab/vegeta@sha256:${'a'.repeat(64)}`;
const plan = {
  scope: { runId: 'run-1', namespace: 'hl-base-r1-abc' },
  ...{ image: IMAGE, target: 'http://10.96.0.20:80', requests: REQUEST_SETS['front-and-missing'] },
  ...{ requestsPerSecond: 5, durationMs: 20_000, attempt: 2 },
};

/** vegeta v12.13.0's `report -type=json` of a 2 s attack at 20/s on two targets, one answering 404 (as recorded). */
const REPORT =
  '{"latencies":{"total":1612008101,"mean":40300202,"50th":3542757,"90th":147809968,"95th":337492350,"99th":498199169,' +
  '"max":498199169,"min":953206},"bytes_in":{"total":16640,"mean":416},"bytes_out":{"total":0,"mean":0},' +
  '"earliest":"2026-12-07T03:12:29.357299523Z","latest":"2026-12-07T03:12:31.309627831Z","end":"2026-12-07T03:12:31.311338863Z",' +
  '"duration":1952328308,"wait":1711032,"requests":40,"rate":20.48835733011356,"throughput":10.235208468218454,"success":0.5,' +
  '"status_codes":{"200":20,"404":20},"errors":["404 File not found"]}\n';

interface Container {
  name: string;
  image: string;
  command: string[];
  securityContext: unknown;
}
interface PodSpec {
  securityContext: unknown;
  initContainers: Container[];
  containers: Container[];
  volumes: Record<string, unknown>[];
  automountServiceAccountToken: boolean;
  restartPolicy: string;
}

describe('the load pod', () => {
  const pod = loadPod(plan) as KubeObject & { spec: PodSpec };

  test('runs restricted: non-root, no escalation, ALL dropped, RuntimeDefault seccomp, read-only root, no token', () => {
    expect(pod.spec.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' },
    });
    const containers = [...pod.spec.initContainers, ...pod.spec.containers];
    expect(containers.map((c) => c.name)).toEqual(['attack', 'report']);
    for (const c of containers) {
      expect(c.securityContext).toEqual({
        runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.image).toBe(IMAGE);
    }
    expect([pod.spec.automountServiceAccountToken, pod.spec.restartPolicy]).toEqual([false, 'Never']);
    expect(pod.spec.volumes.map((v) => Object.keys(v).sort())).toEqual([['emptyDir', 'name'], ['downwardAPI', 'name']]);
  });

  test("is named per attempt, labelled for reset, and not selected by the app's Service", () => {
    expect(pod.metadata).toMatchObject({ name: 'hardenlab-load-http-2', namespace: 'hl-base-r1-abc' });
    expect(pod.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'hardenlab', 'hardenlab.io/run': 'run-1', [LOAD_POD_LABEL]: 'http',
    });
    expect(loadPodSelector('run-1')).toBe('app.kubernetes.io/managed-by=hardenlab,hardenlab.io/run=run-1,hardenlab.io/load-pod=http');
  });

  test('attacks open-loop at the asked rate for the span, bounded workers, as an argument array; targets from its annotation', () => {
    expect(pod.spec.initContainers[0]!.command).toEqual([
      '/bin/time', '-f', 'hardenlab-rusage %e %U %S', '/usr/local/bin/vegeta', 'attack', '-format=json',
      '-targets=/targets/targets', '-rate=5/1s', '-duration=20000ms', '-max-workers=50', '-timeout=10000ms', '-output=/work/results.bin',
    ]);
    expect(pod.spec.containers[0]!.command).toEqual(['/usr/local/bin/vegeta', 'report', '-type=json', '/work/results.bin']);
    expect(pod.metadata.annotations!['hardenlab.io/targets']).toBe(
      '{"method":"GET","url":"http://10.96.0.20/"}\n{"method":"HEAD","url":"http://10.96.0.20/"}\n' +
        '{"method":"GET","url":"http://10.96.0.20/hardenlab-missing"}\n',
    );
    expect([vegetaRate(5), vegetaRate(0.5), vegetaRate(2.25)]).toEqual(['5/1s', '500/1000s', '2250/1000s']);
    expect(() => vegetaRate(0)).toThrow('must be more than 0');
  });
});

describe("the load pod's output", () => {
  test("vegeta's report and time's line become the worker's result: expected statuses are answers, CPU is the attack's", () => {
    const usage = parseAttackUsage('hardenlab-rusage 2.01 0.03 0.05\n');
    const result = podLoadResult(parseVegetaReport(REPORT), usage, { ...plan, requestsPerSecond: 20, durationMs: 2000 });
    expect(result).toMatchObject({
      offeredPerSecond: 20, achievedPerSecond: 20, due: 40, sent: 40, ok: 40, errors: 0, errorRate: 0, skippedBusy: 0, errorSamples: [],
    });
    expect(result.latencyMs).toEqual({ n: 40, p50: 3.542757, p95: 337.49235, p99: 498.199169, max: 498.199169, mean: 40.300202 });
    expect(result.cpu.seconds).toBeCloseTo(0.08, 6);
    expect(result.cpu.shareOfOneCore).toBeCloseTo(0.04, 6);
  });

  test('an unexpected status and requests never sent are errors, with their samples', () => {
    const report = parseVegetaReport(REPORT);
    const result = podLoadResult(report, parseAttackUsage('hardenlab-rusage 2 0 0.01'), {
      ...{ requests: REQUEST_SETS['front-page'], requestsPerSecond: 25, durationMs: 2000 },
    });
    expect(result).toMatchObject({ due: 50, ok: 20, skippedBusy: 10, errors: 30, errorRate: 0.6, errorSamples: ['404 File not found'] });
  });

  test.each([
    ['not JSON', 'panic: boom', 'is not JSON'],
    ['a field missing', REPORT.replace('"requests":40,', ''), 'requests: '],
    ['a wrong type', REPORT.replace('"50th":3542757', '"50th":"fast"'), 'latencies.50th: '],
    ['a status that is no code', REPORT.replace('"404":20', '"oops":20'), 'status_codes.oops'],
  ])('bad report (%s) fails naming the field', (_, text, says) => {
    expect(() => parseVegetaReport(text)).toThrow(LoadPodOutputError);
    expect(() => parseVegetaReport(text)).toThrow(says);
  });

  test.each([
    ['no line', 'vegeta: dial tcp: refused\n', 'has no "hardenlab-rusage" line'],
    ['a bad number', 'hardenlab-rusage 2.0 x 0.1\n', 'no valid user seconds'],
    ['a missing field', 'hardenlab-rusage 2.0 0.1\n', 'no valid system seconds'],
  ])("bad time line (%s) fails naming what is wrong", (_, log, says) => {
    expect(() => parseAttackUsage(log)).toThrow(says);
  });
});

describe('a retried activity', () => {
  /** A cluster of pods held in a map: enough of KubeClient for the load pod's run. */
  function fakeCluster(pods: Map<string, KubeObject>, phaseOnApply: string) {
    const client = {
      list: async () => ({ items: [...pods.values()] }),
      get: async (_v: string, _k: string, name: string) => pods.get(name) ?? null,
      apply: async (obj: KubeObject) => {
        pods.set(obj.metadata.name, { ...obj, status: { phase: phaseOnApply } } as KubeObject);
        return obj;
      },
      delete: async (_v: string, _k: string, name: string) => pods.delete(name),
    } as unknown as KubeClient;
    const podLog = async (_ns: string, pod: string, container: string) =>
      container === "attack" && pod ? "hardenlab-rusage 20 0.1 0.1" : REPORT;
    return { client, podLog, now: () => 0, sleep: async () => undefined };
  }
  const podOf = (name: string, phase: string): KubeObject =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: plan.scope.namespace }, status: { phase } }) as KubeObject;

  test("reuses an earlier attempt's finished pod and deletes every load pod after", async () => {
    const pods = new Map([['hardenlab-load-http-1', podOf('hardenlab-load-http-1', 'Succeeded')]]);
    const result = await runLoadPod(plan, fakeCluster(pods, 'Succeeded'));
    expect([result.pod, result.reused, result.sent, pods.size]).toEqual(['hardenlab-load-http-1', true, 40, 0]);
  });

  test("deletes an earlier attempt's unfinished pod, runs its own, and deletes it at the end", async () => {
    const pods = new Map([['hardenlab-load-http-1', podOf('hardenlab-load-http-1', 'Running')]]);
    const result = await runLoadPod(plan, fakeCluster(pods, 'Succeeded'));
    expect([result.pod, result.reused, pods.size]).toEqual(['hardenlab-load-http-2', false, 0]);
  });

  test('a pod that fails says why from its attack log, and is deleted', async () => {
    const pods = new Map<string, KubeObject>();
    const cluster = { ...fakeCluster(pods, 'Failed'), podLog: async () => 'vegeta: open /targets/targets: permission denied' };
    await expect(runLoadPod(plan, cluster)).rejects.toThrow(
      'the load pod hardenlab-load-http-2 failed: phase Failed: vegeta: open /targets/targets: permission denied',
    );
    expect(pods.size).toBe(0);
  });
});
