import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { nodeMapSchema, type NodeEntry } from '../../src/config/nodeMap';
import { repoRoot } from '../../src/config/paths';
import { binaryPaths, readVersions, testbedLayout, testbedStatus } from '../../src/testbed';
import { foreignEtcdWrite } from '../support/etcdAccess';
import { nodeHostKeysFile } from '../../src/testbed/nodeHosts';
import { tempDir } from '../support/tempDir';
import { ensureTestbed, type Testbed } from '../support/testbed';

// The test bed is real: kube-apiserver, etcd, controller-manager, scheduler, kwok and three sshd node hosts.
jest.setTimeout(300_000);

const exec = promisify(execFile);
const versions = readVersions();
const kubectlBinary = binaryPaths(versions).kubectl;
const namespace = `tb-${process.pid}-${Date.now().toString(36)}`;
const restrictedNamespace = `${namespace}-restricted`;

let testbed: Testbed;
let nodes: NodeEntry[];

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await exec(kubectlBinary, ['--kubeconfig', testbed.kubeconfigPath, ...args], { timeout: 120_000 });
  return stdout;
}

/** Runs kubectl expecting failure; returns its stderr (fails the test if kubectl succeeds). */
async function kubectlFails(input: string | undefined, ...args: string[]): Promise<string> {
  const child = execFile(kubectlBinary, ['--kubeconfig', testbed.kubeconfigPath, ...args], { timeout: 60_000 });
  if (input !== undefined) child.stdin?.end(input);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code === 0) throw new Error(`kubectl ${args.join(' ')} succeeded but was expected to fail`);
  return stderr;
}

async function kubectlApply(manifest: object): Promise<string> {
  const child = execFile(kubectlBinary, ['--kubeconfig', testbed.kubeconfigPath, 'apply', '-f', '-'], { timeout: 60_000 });
  child.stdin?.end(JSON.stringify(manifest));
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`kubectl apply failed: ${err}`);
  return out;
}

function ssh(node: NodeEntry, command: string, extra: { user?: string; knownHosts?: string } = {}) {
  return exec(
    'ssh',
    [
      '-i',
      node.privateKeyPath!,
      '-p',
      String(node.port),
      '-o',
      `UserKnownHostsFile=${extra.knownHosts ?? node.knownHostsPath!}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      `${extra.user ?? node.user}@${node.host}`,
      command,
    ],
    { timeout: 30_000 },
  );
}

interface NodeJson {
  metadata: { name: string };
  status: { addresses: { type: string; address: string }[]; conditions: { type: string; status: string }[] };
}
interface PodJson {
  spec: { nodeName?: string };
  status: { phase: string };
}

const pausePod = { name: 'pause', image: 'registry.k8s.io/pause:3.10' };

beforeAll(async () => {
  testbed = await ensureTestbed();
  nodes = nodeMapSchema.parse(parse(fs.readFileSync(testbed.nodeMapPath, 'utf8'))).nodes;
  await kubectl('create', 'namespace', namespace);
  await kubectl('create', 'namespace', restrictedNamespace);
  await kubectl('label', 'namespace', restrictedNamespace, 'pod-security.kubernetes.io/enforce=restricted');
});

afterAll(async () => {
  if (!testbed) return;
  await kubectl('delete', 'namespace', namespace, restrictedNamespace, '--wait=false', '--ignore-not-found');
});

describe('the control plane', () => {
  it("is a real kube-apiserver reporting the pinned version over TLS on the lane's own address, standard port", async () => {
    expect(testbed.apiServerUrl).toBe(`https://${testbed.instance.apiAddress}:6443`);
    expect(testbed.instance.apiAddress).toMatch(/^127\.0\.2\d\.1$/);
    expect(testbed.home).not.toBe(path.join(repoRoot, '.hardenlab'));
    const version = JSON.parse(await kubectl('get', '--raw', '/version'));
    expect(version.gitVersion).toBe(versions.kubernetes);
    expect(version.major).toBe('1');
    expect(version.minor).toBe(versions.kubernetes.split('.')[1]);
    const status = await testbedStatus({ env: process.env });
    expect(status.running).toBe(true);
    expect(status.components.map((c) => c.name)).toEqual(
      expect.arrayContaining(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller']),
    );
  });

  it('has three Ready KWOK nodes whose InternalIP is their node host', async () => {
    const list = JSON.parse(await kubectl('get', 'nodes', '-o', 'json'));
    const summary = (list.items as NodeJson[]).map((node) => ({
      name: node.metadata.name,
      ip: node.status.addresses.find((a) => a.type === 'InternalIP')?.address,
      ready: node.status.conditions.find((c) => c.type === 'Ready')?.status,
    }));
    expect(summary).toEqual(nodes.map((node) => ({ name: node.name, ip: node.host, ready: 'True' })));
    expect(testbed.nodeNames).toEqual(nodes.map((node) => node.name));
  });
});

describe('workloads on KWOK nodes', () => {
  it("runs a Deployment's pods on the KWOK nodes", async () => {
    await kubectlApply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [pausePod] } },
      },
    });
    await kubectl('rollout', 'status', `deployment/web`, '-n', namespace, '--timeout=120s');
    const pods: PodJson[] = JSON.parse(await kubectl('get', 'pods', '-n', namespace, '-l', 'app=web', '-o', 'json')).items;
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.status.phase).toBe('Running');
      expect(testbed.nodeNames).toContain(pod.spec.nodeName);
    }
  });

  it('completes a Job (its pod reaches Succeeded)', async () => {
    await kubectlApply({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [pausePod] } } },
    });
    await kubectl('wait', '--for=condition=Complete', 'job/once', '-n', namespace, '--timeout=120s');
    const pods: PodJson[] = JSON.parse(await kubectl('get', 'pods', '-n', namespace, '-l', 'job-name=once', '-o', 'json')).items;
    expect(pods.map((pod) => pod.status.phase)).toEqual(['Succeeded']);
  });
});

describe('admission and authorization', () => {
  const compliantSpec = {
    securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ ...pausePod, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
  };

  it('rejects a pod violating Pod Security "restricted" in a labelled namespace, and admits a compliant one', async () => {
    const violating = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged', namespace: restrictedNamespace },
      spec: { containers: [{ ...pausePod, securityContext: { privileged: true } }] },
    };
    const stderr = await kubectlFails(JSON.stringify(violating), 'create', '-f', '-');
    expect(stderr).toContain('violates PodSecurity "restricted:latest"');
    expect(stderr).toContain('privileged');

    await kubectlApply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'compliant', namespace: restrictedNamespace },
      spec: compliantSpec,
    });
    expect(await kubectl('get', 'pod', 'compliant', '-n', restrictedNamespace, '-o', 'name')).toContain('pod/compliant');
  });

  it('denies a user without RBAC bindings, while the admin may', async () => {
    const stderr = await kubectlFails(undefined, 'get', 'secrets', '-n', namespace, '--as=hardenlab-nobody');
    expect(stderr).toMatch(/Forbidden|forbidden/);
    expect(stderr).toContain('User "hardenlab-nobody" cannot list resource "secrets"');
    expect((await kubectl('auth', 'can-i', 'list', 'secrets', '-n', namespace)).trim()).toBe('yes');
  });
});

describe('node hosts', () => {
  it('runs `sar -V` over SSH on every node host with the generated key and a verified host key', async () => {
    expect(nodes.map((node) => node.host)).toEqual(testbed.instance.nodes.map((node) => node.address));
    expect(nodes.map((node) => node.host)).not.toContain('127.0.0.11');
    for (const node of nodes) {
      const { stdout } = await ssh(node, 'sar -V');
      expect(stdout).toMatch(/sysstat version \d+\.\d+/);
    }
  });

  it('refuses a node host whose key is not in known_hosts (strict checking is real)', async () => {
    const emptyKnownHosts = path.join(await tempDir('hardenlab-known-hosts-'), 'known_hosts');
    fs.writeFileSync(emptyKnownHosts, '');
    await expect(ssh(nodes[0]!, 'true', { knownHosts: emptyKnownHosts })).rejects.toMatchObject({
      stderr: expect.stringContaining('Host key verification failed'),
    });
  });

  it('sees the real kube-apiserver process from a node host (kube-bench relies on it)', async () => {
    const { stdout } = await ssh(nodes[1]!, 'ps -eo args');
    expect(stdout).toMatch(new RegExp(`kube-apiserver .*--secure-port=${testbed.instance.ports.kubeApiserver}\\b`));
  });

  it('lets the unprivileged user log in without root rights', async () => {
    const { stdout } = await ssh(nodes[2]!, 'id -u; test -r /etc/shadow && echo readable || echo denied', { user: 'hardenlab' });
    const [uid, shadow] = stdout.trim().split('\n');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(shadow).toBe('denied');
  });

  it("refuses another local account's etcd writes: plain HTTP, TLS without the API server's certificate, and its key files", async () => {
    const attempt = await foreignEtcdWrite(testbedLayout(testbed.home, testbed.instance));
    // etcd's TLS listener drops plain HTTP unanswered (curl: 52), and drops a TLS client without a certificate (how
    // curl words that depends on when the close lands: 35, 55 or 56).
    expect(attempt.plain).toEqual({ code: 52, body: 'curl: (52) Empty reply from server\n' });
    expect([35, 55, 56]).toContain(attempt.tls.code);
    expect(attempt.tls.body).not.toContain('revision');
    expect(attempt.readable).toEqual([]);
    expect({ written: attempt.keyCount, control: attempt.defaultNamespaceCount }).toEqual({ written: 0, control: 1 });
  });

  it("takes node host keys only from sshd's root-owned file: a key added in the data folder is refused", async () => {
    const layout = testbedLayout(testbed.home, testbed.instance);
    const file = nodeHostKeysFile(layout);
    const stat = fs.statSync(file);
    expect({ uid: stat.uid, mode: stat.mode & 0o777 }).toEqual({ uid: 0, mode: 0o644 });
    const config = fs.readFileSync(path.join(layout.nodeDir(nodes[0]!.name), 'sshd_config'), 'utf8');
    expect(config).toContain(`AuthorizedKeysFile ${file}\n`);
    expect(config).toMatch(/^StrictModes yes$/m);
    const intruder = path.join(await tempDir('hardenlab-intruder-'), 'id_ed25519');
    await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', intruder]);
    const original = fs.readFileSync(layout.authorizedKeysPath, 'utf8');
    fs.appendFileSync(layout.authorizedKeysPath, fs.readFileSync(`${intruder}.pub`));
    try {
      await expect(ssh({ ...nodes[0]!, privateKeyPath: intruder }, 'true')).rejects.toMatchObject({
        stderr: expect.stringContaining('Permission denied'),
      });
      await expect(ssh(nodes[0]!, 'true')).resolves.toBeDefined();
    } finally {
      fs.writeFileSync(layout.authorizedKeysPath, original);
    }
  });
});
