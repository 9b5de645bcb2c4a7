/**
 * Scenarios as data: the presets resolve to the built-in packs (whose manifests are exactly what the thesis's
 * hard-coded best-practices step applied), user scenarios and packs come from the config folder, and every bad
 * file fails naming the file and the document.
 */
import { ApplicationFailure } from '@temporalio/common';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { createConfigActivities } from '../../../activities/config';
import { hardeningManifests } from '../../../src/kube/manifests';
import type { KubeObject } from '../../../src/kube/kubeObjects';
import { manifestDigest } from '../../../src/scenarios/packs';
import { renderManifest, scenarioManifests } from '../../../src/scenarios/render';
import { resolveScenarios, type ScenarioResolution } from '../../../src/scenarios/resolveScenarios';
import { writeReadmeScenario } from '../../support/readmeScenario';
import { ArtifactStore } from '../../../src/store/artifactStore';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-scenarios-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

async function write(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await fs.writeFile(path.join(dir, file), text);
}
const resolve = (names: string[], inSecurityTools = false) => resolveScenarios(names, { configDir: dir, inSecurityTools });
function ok(r: ScenarioResolution) {
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r.errors)}`);
  return r;
}
function errors(r: ScenarioResolution): string[] {
  if (r.ok) throw new Error('expected errors');
  return r.errors.map((e) => `${e.field}: ${e.message}`);
}
const byKindAndName = (a: KubeObject, b: KubeObject) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`);

test('the presets keep their names and resolve to the thesis steps as packs', async () => {
  const r = ok(await resolve(['baseline', 'best-practices', 'security-tools']));
  expect(r.definitions.map((d) => [d.name, d.packs.map((p) => p.name), d.tools, d.hardenedWorkload, d.source])).toEqual([
    ['baseline', [], [], false, 'built-in'],
    ['best-practices', ['pod-security', 'rbac', 'network-policy'], [], true, 'built-in'],
    ['security-tools', [], ['kube-bench', 'kube-hunter', 'trivy'], false, 'built-in'],
  ]);
  const hardenedTools = ok(await resolve(['security-tools'], true)).definitions[0]!;
  expect([hardenedTools.packs.map((p) => p.name), hardenedTools.hardenedWorkload]).toEqual([
    ['pod-security', 'rbac', 'network-policy'],
    true,
  ]);
});

test('the built-in packs apply exactly the manifests of the thesis best-practices step', async () => {
  const r = ok(await resolve(['best-practices']));
  const scope = { runId: 'exp-1/best-practices/1', namespace: 'hl-bp-r1-12345678' };
  const rendered = scenarioManifests(r.definitions[0]!, r.packs).map((m) => renderManifest(m, scope, 'alice'));
  expect(JSON.parse(JSON.stringify(rendered.sort(byKindAndName)))).toEqual(
    hardeningManifests(scope, { rbacUser: 'alice', inSecurityTools: false }).sort(byKindAndName),
  );
  // Every manifest is recorded with its digest, file and document.
  expect(r.definitions[0]!.manifests.map((m) => `${m.pack}/${m.file}#${m.document} ${m.kind}`)).toEqual([
    'pod-security/namespace.yaml#1 Namespace',
    'rbac/role.yaml#1 Role',
    'rbac/rolebinding.yaml#1 RoleBinding',
    'network-policy/allow-web.yaml#1 NetworkPolicy',
    'network-policy/default-deny-ingress.yaml#1 NetworkPolicy',
  ]);
  for (const m of r.definitions[0]!.manifests) expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
});

test('a user scenario combines a built-in pack with a pack of its own from the config folder', async () => {
  await write(
    'scenarios/limits-plus.yaml',
    'description: quotas and no host namespaces\npacks: [resource-limits, no-host-namespaces]\ntools: [kube-bench]\n',
  );
  await write(
    'packs/no-host-namespaces/policy.yaml',
    'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: { name: hl-no-host-ns }\nspec: { ' +
      'validations: [{ expression: "true" }] }\n---\n# a trailing empty document is fine\n',
  );
  const r = ok(await resolve(['baseline', 'limits-plus']));
  const def = r.definitions[1]!;
  expect([def.name, def.source, def.description, def.packs.map((p) => [p.name, p.source]), def.tools, def.hardenedWorkload]).toEqual([
    'limits-plus',
    path.join(dir, 'scenarios/limits-plus.yaml'),
    'quotas and no host namespaces',
    [
      ['resource-limits', 'built-in'],
      ['no-host-namespaces', path.join(dir, 'packs/no-host-namespaces')],
    ],
    ['kube-bench'],
    false,
  ]);
  expect(def.manifests.map((m) => `${m.kind}/${m.name}`)).toEqual([
    'LimitRange/hardenlab-container-defaults',
    'ResourceQuota/hardenlab-namespace-quota',
    'ValidatingAdmissionPolicy/hl-no-host-ns',
  ]);
  // The digest names the content, not its formatting.
  expect(def.manifests[2]!.sha256).toBe(
    manifestDigest({
      kind: 'ValidatingAdmissionPolicy',
      apiVersion: 'admissionregistration.k8s.io/v1',
      spec: { validations: [{ expression: 'true' }] },
      metadata: { name: 'hl-no-host-ns' },
    }),
  );
  // Cluster-scoped objects keep their name and get the run's labels; namespaced ones go into the run's namespace.
  const scope = { runId: 'run-1', namespace: 'hl-limits-plus-r1-0000' };
  const [limits, , policy] = scenarioManifests(def, r.packs).map((m) => renderManifest(m, scope, 'tester'));
  expect([limits!.metadata.namespace, policy!.metadata.namespace, policy!.metadata.labels]).toEqual([
    scope.namespace,
    undefined,
    { 'app.kubernetes.io/managed-by': 'hardenlab', 'hardenlab.io/run': 'run-1' },
  ]);
});

test('manifests changed after the experiment recorded them are refused', async () => {
  const r = ok(await resolve(['best-practices']));
  const tampered = structuredClone(r.packs);
  (tampered.find((p) => p.name === 'rbac')!.manifests[0]!.manifest as { rules: unknown[] }).rules.push({
    apiGroups: ['*'],
    resources: ['*'],
    verbs: ['*'],
  });
  expect(() => scenarioManifests(r.definitions[0]!, tampered)).toThrow(
    /rbac\/role\.yaml document 1 does not match what the experiment recorded/,
  );
});

test('unknown scenario and pack names fail naming the field or file, and the names known', async () => {
  await write('scenarios/mine.yaml', 'packs: [resource-limits, nope]\n');
  const e = errors(await resolve(['baseline', 'chaos', 'mine']));
  expect(e).toEqual([
    expect.stringMatching(
      new RegExp(
        String.raw`^scenarios\.1: unknown scenario "chaos": known are baseline, best-practices, security-tools, policy-engine, mine ` +
          String.raw`\(a scenario of your own is a file .*scenarios\/chaos\.yaml\)$`,
      ),
    ),
    expect.stringMatching(
      new RegExp(
        String.raw`scenarios\/mine\.yaml: packs\.1: unknown pack "nope": not built in ` +
          String.raw`\(pod-security, rbac, network-policy, resource-limits, policy-engine\) and no folder .*packs\/nope$`,
      ),
    ),
  ]);
});

test('policy-engine: built in, not a default; its pack holds the engine’s policies and pod-security’s denials', async () => {
  const r = ok(await resolve(['policy-engine', 'best-practices']));
  const engine = r.definitions[0]!;
  expect([engine.name, engine.packs.map((p) => p.name), engine.hardenedWorkload, engine.tools]).toEqual([
    'policy-engine', ['policy-engine'], true, [],
  ]);
  // The workload runs compliant, but no Pod Security label: the webhook, not PSA, must be what refuses the attacks.
  expect(engine.manifests.map((m) => `${m.kind}/${m.name}`)).toEqual([
    'ConstraintTemplate/hardenlabrestricted',
    'HardenlabRestricted/hardenlab-restricted',
  ]);
  expect(engine.packs[0]!.expectedDenials).toEqual(r.definitions[1]!.packs.find((p) => p.name === 'pod-security')!.expectedDenials);
  const constraint = r.packs.find((p) => p.name === 'policy-engine')!.manifests[1]!;
  const rendered = renderManifest(constraint, { runId: 'r1', namespace: 'hl-pe-r1-abc' }, 'alice');
  expect((rendered.spec as { match: { namespaces: string[] } }).match.namespaces).toEqual(['hl-pe-r1-abc']);
});

test('only the built-in engine pack may hold Gatekeeper policies, not a pack of the config folder', async () => {
  await write('scenarios/mine.yaml', 'packs: [gk]\n');
  await write('packs/gk/t.yaml', 'apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata: { name: t }\n');
  expect(errors(await resolve(['mine']))).toEqual([
    expect.stringMatching(/packs\/gk\/t\.yaml document 1: templates\.gatekeeper\.sh\/v1 ConstraintTemplate may not be created by a pack/),
  ]);
});

test('bad pack documents fail naming the file and the document', async () => {
  await write('scenarios/bad.yaml', 'packs: [bad]\n');
  await write(
    'packs/bad/a.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: fine }\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: p }\n',
  );
  await write(
    'packs/bad/b.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x, namespace: kube-system }\n---\napiVersion: v1\nkind: ' +
      'Namespace\nmetadata: { name: other }\n',
  );
  await write(
    'packs/bad/c.yaml',
    'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n  labels: { hardenlab.io/run: someone-else }\n---\nkind: [unclosed\n',
  );
  const e = errors(await resolve(['bad']));
  const at = (file: string, doc: number) => `${path.join(dir, 'packs/bad', file)} document ${doc}: `;
  expect(e).toEqual([
    expect.stringContaining(`${at('a.yaml', 2)}v1 Pod may not be created by a pack (allowed: v1/Namespace,`),
    `${at('b.yaml', 1)}sets metadata.namespace ("kube-system"), which would escape the run's namespace: remove it (the run's ` +
      `namespace is filled in)`,
    `${at('b.yaml', 2)}names a namespace ("other"): a Namespace document labels the run's own namespace and has no name`,
    expect.stringContaining(`${at('c.yaml', 1)}sets the label hardenlab.io/run, which hardenlab sets to the run's own value`),
    expect.stringMatching(new RegExp(`^${at('c.yaml', 2).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}not valid YAML \\(line \\d+\\): `)),
  ]);
});

test('a scenario file must parse, use known fields and agree with its file name', async () => {
  await write('scenarios/typo.yaml', 'packs: [rbac]\ntool: [kube-bench]\n');
  await write('scenarios/renamed.yaml', 'name: other\n');
  await write('scenarios/broken.yaml', 'packs: [rbac\n');
  const e = errors(await resolve(['typo', 'renamed', 'broken']));
  expect(e).toEqual([
    expect.stringMatching(/scenarios\/typo\.yaml: \(root\): Unrecognized key.*"tool"/),
    expect.stringMatching(/scenarios\/renamed\.yaml: name: is "other" but the file is named for "renamed"/),
    expect.stringMatching(/scenarios\/broken\.yaml: not valid YAML: /),
  ]);
});

test('docs/scenarios.md’s complete example resolves as documented', async () => {
  expect(await writeReadmeScenario(dir)).toEqual([
    'scenarios/limits-plus.yaml',
    'packs/no-token-automount/policy.yaml',
    'packs/no-token-automount/expected-denials.yaml',
  ]);
  const def = ok(await resolve(['limits-plus'])).definitions[0]!;
  expect([def.packs.map((p) => p.name), def.tools, def.hardenedWorkload]).toEqual([['resource-limits', 'no-token-automount'], [], false]);
  expect(def.packs.map((p) => p.expectedDenials)).toEqual([undefined, ['automount-sa-token']]);
  expect(def.manifests.map((m) => `${m.kind}/${m.name}`)).toEqual([
    'LimitRange/hardenlab-container-defaults',
    'ResourceQuota/hardenlab-namespace-quota',
    'ValidatingAdmissionPolicy/no-token-automount',
    'ValidatingAdmissionPolicyBinding/no-token-automount',
  ]);
});

describe('expected denials: a pack folder’s optional expected-denials.yaml', () => {
  test('the built-in pod-security and rbac packs expect the battery’s pod and RBAC attacks denied; the file is no manifest', async () => {
    const def = ok(await resolve(['best-practices'])).definitions[0]!;
    expect(def.packs).toEqual([
      {
        name: 'pod-security',
        source: 'built-in',
        expectedDenials: ['privileged-pod', 'host-path-root', 'host-network', 'host-pid', 'run-as-root', 'cap-net-raw', 'cap-sys-admin'],
      },
      { name: 'rbac', source: 'built-in', expectedDenials: ['read-secrets', 'pod-in-other-namespace', 'escalate-rolebinding'] },
      // No file, no key: definitions of packs without expectations keep their earlier shape.
      { name: 'network-policy', source: 'built-in' },
    ]);
    expect(def.manifests.some((m) => m.file.startsWith('expected-denials'))).toBe(false);
  });

  test('a user pack’s list reaches its definition; a pack of only expectations has no manifests and fails', async () => {
    await write('scenarios/mine.yaml', 'packs: [quota, empty]\n');
    await write('packs/quota/quota.yaml', 'apiVersion: v1\nkind: ResourceQuota\nmetadata: { name: q }\nspec: { hard: { pods: "5" } }\n');
    await write('packs/quota/expected-denials.yml', '# comments are fine\n- automount-sa-token\n- privileged-pod\n');
    await write('packs/empty/expected-denials.yaml', '- host-pid\n');
    expect(errors(await resolve(['mine']))).toEqual([
      expect.stringMatching(/packs\/empty: pack "empty" has no \*\.yaml files of manifests$/),
    ]);
    await write('scenarios/mine.yaml', 'packs: [quota]\n');
    const def = ok(await resolve(['mine'])).definitions[0]!;
    expect(def.packs[0]!.expectedDenials).toEqual(['automount-sa-token', 'privileged-pod']);
    expect(def.manifests.map((m) => m.file)).toEqual(['quota.yaml']);
  });

  test('unknown attacks, repeats, wrong shapes and bad YAML fail naming the file and the entry', async () => {
    const bad: Record<string, string> = {
      unknown: '- privileged-pod\n- root-shell\n- 42\n- privileged-pod\n',
      mapping: 'denies: [privileged-pod]\n',
      empty: '# nothing yet\n[]\n',
      broken: '- privileged-pod\n- [unclosed\n',
    };
    for (const name of Object.keys(bad)) {
      await write(`packs/${name}/cm.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\n`);
      await write(`packs/${name}/expected-denials.yaml`, bad[name]!);
    }
    await write('packs/both/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: both }\n');
    await write('packs/both/expected-denials.yaml', '- host-pid\n');
    await write('packs/both/expected-denials.yml', '- host-pid\n');
    await write('scenarios/bad.yaml', `packs: [${[...Object.keys(bad), 'both'].join(', ')}]\n`);
    const file = (pack: string) => path.join(dir, 'packs', pack, 'expected-denials.yaml');
    expect(errors(await resolve(['bad']))).toEqual([
      `${file('unknown')} entry 2: unknown attack "root-shell": the attack battery's are privileged-pod, host-path-root, ` +
        `host-network, host-pid, run-as-root, cap-net-raw, cap-sys-admin, automount-sa-token, read-secrets, ` +
          `pod-in-other-namespace, escalate-rolebinding, cross-namespace-traffic`,
      `${file('unknown')} entry 3: is 42, not an attack id`,
      `${file('unknown')} entry 4: lists "privileged-pod" twice`,
      expect.stringMatching(
        new RegExp(`^${escape(file('mapping'))}: must be a list of attack ids, one "- <id>" a line .*, got a mapping$`),
      ),
      expect.stringMatching(new RegExp(`^${escape(file('empty'))}: lists no attack: name at least one, or remove the file`)),
      expect.stringMatching(new RegExp(`^${escape(file('broken'))}: not valid YAML \\(line \\d+\\): `)),
      `${path.join(dir, 'packs', 'both')}: has both expected-denials.yaml and expected-denials.yml: keep one`,
    ]);
  });

  test('at resolve time a bad file fails the run at once, non-retryably, as InvalidInput naming the file and the entry', async () => {
    await write('config.yaml', stringify({ experiment: { cluster: { provider: 'local' } } }));
    await write('scenarios/mine.yaml', 'packs: [typo]\n');
    await write('packs/typo/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: typo }\n');
    await write('packs/typo/expected-denials.yaml', '- privileged-pods\n');
    const worker = createConfigActivities({
      env: { HARDENLAB_CONFIG: path.join(dir, 'config.yaml'), HARDENLAB_HOME: dir },
      store: new ArtifactStore(dir),
    });
    const failure = await worker.resolveExperiment({ input: { scenarios: ['mine'] }, workflowId: 'w' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect([(failure as ApplicationFailure).type, (failure as ApplicationFailure).nonRetryable]).toEqual(['InvalidInput', true]);
    expect((failure as Error).message).toContain(
      `${path.join(dir, 'packs/typo/expected-denials.yaml')} entry 1: unknown attack "privileged-pods"`,
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
