/**
 * hardenlab's own Gatekeeper policy (packs/policy-engine/) judged by Gatekeeper itself, offline: `gator test`
 * (built from the Gatekeeper module with the manager, scripts/tools/build-gatekeeper.sh) evaluates the template and
 * constraint against the attack battery's very pods. It must refuse each pod attack Pod Security "restricted" refuses
 * (the pod-security pack's expected denials), and admit the battery's compliant pod and the hardened workload.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { repoRoot, cacheDir } from '../../src/config/paths';
import { experimentSchema } from '../../src/config/experiment';
import { attackPod, compliantPod, POD_ATTACKS } from '../../src/kube/battery';
import { workloadDeployment } from '../../src/kube/manifests';
import type { KubeObject } from '../../src/kube/kubeObjects';
import { readToolVersions } from '../../src/tools/install';
import { tempDir } from '../support/tempDir';

const policies = path.join(repoRoot, 'packs', 'policy-engine');
const gator = path.join(cacheDir(), 'bin', `gatekeeper-${readToolVersions().gatekeeper}`, 'gator');
const scope = { runId: 'it-gatekeeper', namespace: 'hl-it-gatekeeper' };

interface GatorResult {
  msg: string;
  enforcementAction: string;
  violatingObject: { metadata: { name: string; namespace?: string } };
}

async function judge(objects: KubeObject[]): Promise<GatorResult[]> {
  if (!existsSync(gator)) throw new Error(`no gator at ${gator}: run scripts/tools/build-gatekeeper.sh`);
  const dir = await tempDir('hardenlab-it-gator-');
  for (const file of (await fs.readdir(policies)).filter((f) => !f.startsWith('expected-denials'))) {
    // The constraint binds to the run's namespace, as the pack renderer does.
    const text = (await fs.readFile(path.join(policies, file), 'utf8')).split('$(RUN_NAMESPACE)').join(scope.namespace);
    await fs.writeFile(path.join(dir, file), text);
  }
  await fs.writeFile(path.join(dir, 'objects.yaml'), objects.map((o) => stringify(o)).join('---\n'));
  const run = spawnSync(gator, ['test', '-f', dir, '-o', 'json'], { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`gator test exited with ${run.status}: ${run.stderr}`);
  return (JSON.parse(run.stdout || 'null') as GatorResult[] | null) ?? [];
}

const expectedDenials = parseYaml(readFileSync(path.join(repoRoot, 'packs', 'pod-security', 'expected-denials.yaml'), 'utf8')) as string[];

describe("hardenlab's restricted policy for Gatekeeper, judged by gator", () => {
  let results: GatorResult[];
  const byPod = (name: string) => results.filter((r) => r.violatingObject.metadata.name === name);

  beforeAll(async () => {
    const workload = experimentSchema.parse({}).workload;
    const hardenedPodTemplate = (
      workloadDeployment(scope, workload, { hardened: true, replicas: 1 }).spec as { template: { spec: unknown } }
    ).template.spec;
    const hardenedPod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hardened-workload', namespace: scope.namespace },
      spec: hardenedPodTemplate as Record<string, unknown>,
    };
    const elsewhere = {
      ...attackPod({ ...scope, namespace: 'other' }, POD_ATTACKS[0]!),
      metadata: { name: 'privileged-elsewhere', namespace: 'other' },
    };
    results = await judge([compliantPod(scope, 'compliant'), hardenedPod, elsewhere, ...POD_ATTACKS.map((a) => attackPod(scope, a))]);
  });

  it("refuses every pod attack of the pod-security pack's expected denials, each for its own reason", () => {
    expect(expectedDenials.length).toBe(7);
    // The policy-engine pack promises the same denials.
    expect(parseYaml(readFileSync(path.join(policies, 'expected-denials.yaml'), 'utf8'))).toEqual(expectedDenials);
    for (const id of expectedDenials) {
      const denied = byPod(`hardenlab-attack-${id}`);
      expect([id, denied.length > 0, denied.every((r) => r.enforcementAction === 'deny')]).toEqual([id, true, true]);
    }
    const reasons = (id: string) =>
      byPod(`hardenlab-attack-${id}`)
        .map((r) => r.msg)
        .join(' | ');
    expect(reasons('privileged-pod')).toMatch(/is privileged/);
    expect(reasons('host-path-root')).toMatch(/volume host is of type hostPath/);
    expect(reasons('host-network')).toMatch(/hostNetwork is not allowed/);
    expect(reasons('host-pid')).toMatch(/hostPID is not allowed/);
    expect(reasons('run-as-root')).toMatch(/runs as uid 0/);
    expect(reasons('cap-net-raw')).toMatch(/adds capability NET_RAW/);
    expect(reasons('cap-sys-admin')).toMatch(/adds capability SYS_ADMIN/);
  });

  it('admits what restricted admits: the compliant pod, the hardened workload, and an automounted token (not its concern)', () => {
    expect(byPod('compliant')).toEqual([]);
    expect(byPod('hardened-workload')).toEqual([]);
    expect(byPod('hardenlab-attack-automount-sa-token')).toEqual([]);
  });

  it("judges only the run's namespace", () => {
    expect(byPod('privileged-elsewhere')).toEqual([]);
  });
});
