import { workloadSchema, hardeningSchema } from '../../../src/config/experiment';
import {
  APP_NAME,
  HARDENED_CONTAINER_PORT,
  LINODE_THROTTLE_ANNOTATION,
  PSA_LABELS,
  ROLE_RULES,
  hardeningManifests,
  namespaceManifest,
  nonCompliantPod,
  podFromTemplate,
  runLabelSelector,
  runLabelValue,
  workloadDeployment,
  workloadService,
} from '../../../src/kube/manifests';
import { MANAGED_BY_LABEL, RUN_LABEL, type KubeObject } from '../../../src/kube/kubeObjects';

const scope = { runId: 'exp-1-baseline-1', namespace: 'hl-exp-1-baseline' };
const workload = workloadSchema.parse({});
const hardening = hardeningSchema.parse({});

type Container = {
  image: string;
  imagePullPolicy: string;
  ports: { containerPort: number; name: string }[];
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
};
type PodSpec = { containers: Container[]; volumes?: { name: string; emptyDir?: object }[]; securityContext?: Record<string, unknown>; automountServiceAccountToken?: boolean };
const podSpecOf = (d: KubeObject) => (d.spec as { template: { spec: PodSpec } }).template.spec;

function everyObject(): KubeObject[] {
  return [
    namespaceManifest(scope),
    workloadDeployment(scope, workload, { hardened: false, replicas: 3 }),
    workloadDeployment(scope, workload, { hardened: true, replicas: 5 }),
    workloadService(scope, workload, { hardened: true, provider: 'linode' }),
    ...hardeningManifests(scope, hardening),
    nonCompliantPod(scope),
  ];
}

describe('run labels', () => {
  it('label every object with managed-by and the run, namespaced ones in the run namespace', () => {
    for (const obj of everyObject()) {
      expect(obj.metadata.labels?.[MANAGED_BY_LABEL]).toBe('hardenlab');
      expect(obj.metadata.labels?.[RUN_LABEL]).toBe(scope.runId);
      if (obj.kind !== 'Namespace') expect(obj.metadata.namespace).toBe(scope.namespace);
    }
  });

  it('turn any run id into a valid, stable, distinct label value', () => {
    const ids = ['exp-1-baseline-1', 'exp/1 baseline#1', '-x-', 'a'.repeat(100), 'a'.repeat(100) + 'b', 'ä'];
    const values = ids.map(runLabelValue);
    for (const v of values) expect(v).toMatch(/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/);
    expect(new Set(values).size).toBe(ids.length);
    expect(runLabelValue('exp-1-baseline-1')).toBe('exp-1-baseline-1');
    expect(runLabelValue('exp/1 baseline#1')).toBe(runLabelValue('exp/1 baseline#1'));
    expect(runLabelSelector('r1')).toBe('app.kubernetes.io/managed-by=hardenlab,hardenlab.io/run=r1');
  });
});

describe('the thesis workload', () => {
  it('is a Deployment of the demo image, always pulled, on port 80', () => {
    const d = workloadDeployment(scope, workload, { hardened: false, replicas: 3 });
    expect((d.spec as { replicas: number }).replicas).toBe(3);
    const [c] = podSpecOf(d).containers;
    expect(c).toMatchObject({ image: 'thenetworkchuck/nccoffee:pourover', imagePullPolicy: 'Always', ports: [{ containerPort: 80, name: 'http' }] });
    expect(c!.securityContext).toBeUndefined();
    const selector = (d.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    const templateLabels = (d.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    expect(templateLabels).toMatchObject(selector);
  });

  it('has a LoadBalancer Service with the Linode throttle annotation only on Linode', () => {
    const onLinode = workloadService(scope, workload, { hardened: false, provider: 'linode' });
    expect(onLinode.metadata.annotations).toEqual({ [LINODE_THROTTLE_ANNOTATION]: '4' });
    expect(onLinode.spec).toMatchObject({ type: 'LoadBalancer', ports: [{ port: 80, targetPort: 80 }] });
    expect(workloadService(scope, workload, { hardened: false, provider: 'local' }).metadata.annotations).toBeUndefined();
  });

  it('maps the configured port to 8080 for the hardened image', () => {
    const svc = workloadService(scope, { ...workload, port: 8000, serviceType: 'NodePort' }, { hardened: true, provider: 'kubeconfig' });
    expect(svc.spec).toMatchObject({ type: 'NodePort', ports: [{ port: 8000, targetPort: HARDENED_CONTAINER_PORT }] });
  });
});

describe('the hardened workload', () => {
  const spec = podSpecOf(workloadDeployment(scope, workload, { hardened: true, replicas: 3 }));
  const c = spec.containers[0]!;

  it('meets Pod Security restricted: non-root, RuntimeDefault seccomp, no capabilities, no escalation', () => {
    expect(c.image).toBe(workload.hardenedImage);
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(c.ports[0]!.containerPort).toBe(HARDENED_CONTAINER_PORT);
  });

  it('has requests and limits and writable emptyDirs for nginx', () => {
    expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(c.volumeMounts?.map((m) => m.mountPath).sort()).toEqual(['/tmp', '/var/cache/nginx', '/var/run']);
    for (const m of c.volumeMounts ?? []) expect(spec.volumes?.find((v) => v.name === m.name)?.emptyDir).toEqual({});
  });

  it('can be turned into a probe pod with the same spec', () => {
    const d = workloadDeployment(scope, workload, { hardened: true, replicas: 3 });
    const pod = podFromTemplate(d, 'check');
    expect(pod).toMatchObject({ kind: 'Pod', metadata: { name: 'check', namespace: scope.namespace } });
    expect(pod.spec).toEqual(spec);
  });
});

describe('hardening objects', () => {
  const [ns, role, binding, deny, allow] = hardeningManifests(scope, hardening);

  it('label the namespace enforce/audit/warn restricted', () => {
    expect(ns!.kind).toBe('Namespace');
    for (const mode of ['enforce', 'audit', 'warn']) expect(ns!.metadata.labels?.[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
    expect(namespaceManifest(scope).metadata.labels).not.toHaveProperty(Object.keys(PSA_LABELS)[0]!);
  });

  it('give a Role explicit verbs on deployments and pods, never *', () => {
    expect(role!.kind).toBe('Role');
    const rules = role!.rules as typeof ROLE_RULES;
    expect(rules.flatMap((r) => r.resources)).toEqual(expect.arrayContaining(['deployments', 'pods']));
    for (const r of rules) {
      expect(r.verbs).not.toContain('*');
      expect(r.resources).not.toContain('*');
      expect(r.resources).not.toContain('secrets');
    }
  });

  it('bind the Role to the configured user', () => {
    expect(binding).toMatchObject({ kind: 'RoleBinding', roleRef: { kind: 'Role', name: role!.metadata.name }, subjects: [{ kind: 'User', name: 'tester' }] });
    const other = hardeningManifests(scope, { ...hardening, rbacUser: 'alice' })[2]!;
    expect((other.subjects as { name: string }[])[0]!.name).toBe('alice');
  });

  it('deny all ingress by default and allow the web port by name', () => {
    expect(deny!.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(allow!.spec).toMatchObject({ podSelector: { matchLabels: { 'app.kubernetes.io/name': APP_NAME } }, ingress: [{ ports: [{ port: 'http', protocol: 'TCP' }] }] });
  });

  it('include a deliberately non-compliant probe pod', () => {
    const pod = nonCompliantPod(scope);
    const sc = (pod.spec as PodSpec).containers[0]!.securityContext;
    expect(sc).toMatchObject({ privileged: true, runAsUser: 0 });
  });
});
