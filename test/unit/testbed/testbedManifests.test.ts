import { parse, parseAllDocuments } from 'yaml';
import { nodeMapSchema } from '../../../src/config/nodeMap';
import { DEFAULT_TESTBED_INSTANCE, testbedLayout } from '../../../src/testbed/layout';
import {
  buildNodeMap,
  knownHostsLine,
  renderKwokctlConfig,
  renderNodeManifests,
  renderSshdConfig,
} from '../../../src/testbed/testbedManifests';
import { binaryPaths } from '../../../src/testbed/buildVersions';

const versions = { kubernetes: 'v1.36.3', etcd: 'v3.6.16', kwok: 'v0.8.0' };
const layout = testbedLayout('/data/hl');
const binaries = binaryPaths(versions, '/cache');

describe('renderKwokctlConfig', () => {
  const config = parse(renderKwokctlConfig(versions, binaries, layout));

  it('uses the binary runtime with a local path for every binary, so kwokctl downloads nothing', () => {
    expect(config.kind).toBe('KwokctlConfiguration');
    expect(config.options.runtime).toBe('binary');
    expect(config.options).toMatchObject({
      kubeApiserverBinary: binaries.kubeApiserver,
      kubeControllerManagerBinary: binaries.kubeControllerManager,
      kubeSchedulerBinary: binaries.kubeScheduler,
      kubectlBinary: binaries.kubectl,
      etcdBinary: binaries.etcd,
      etcdctlBinary: binaries.etcdctl,
      kwokControllerBinary: binaries.kwok,
    });
    for (const [key, value] of Object.entries(config.options)) {
      if (key.endsWith('Binary')) expect(value).toMatch(/^\//);
    }
  });

  it('binds to 127.0.0.1 on the standard ports with TLS, RBAC and admission', () => {
    expect(config.options).toMatchObject({
      bindAddress: '127.0.0.1',
      kubeApiserverPort: 6443,
      etcdPort: 2379,
      securePort: true,
      kubeAuthorization: true,
      kubeAdmission: true,
      kubeVersion: 'v1.36.3',
      etcdVersion: '3.6.16',
    });
  });

  it('serves etcd over TLS only, with client certificates of its own CA required on the client and peer ports', () => {
    const argsOf = (name: string) =>
      (config.componentsPatches as { name: string; extraArgs: { key: string; value: string; override?: boolean }[] }[]).find(
        (patch) => patch.name === name,
      )?.extraArgs ?? [];
    const etcd = Object.fromEntries(argsOf('etcd').map((arg) => [arg.key, arg]));
    for (const key of ['listen-client-urls', 'advertise-client-urls'])
      expect(etcd[key]).toEqual({ key, value: 'https://127.0.0.1:2379', override: true });
    for (const key of ['listen-peer-urls', 'initial-advertise-peer-urls'])
      expect(etcd[key]).toEqual({ key, value: 'https://127.0.0.1:2380', override: true });
    expect(etcd['initial-cluster']).toEqual({ key: 'initial-cluster', value: 'node0=https://127.0.0.1:2380', override: true });
    expect(etcd['client-cert-auth']?.value).toBe('true');
    expect(etcd['peer-client-cert-auth']?.value).toBe('true');
    expect(etcd['trusted-ca-file']?.value).toBe('/data/hl/sim/etcd-pki/ca.crt');
    const apiserver = Object.fromEntries(argsOf('kube-apiserver').map((arg) => [arg.key, arg.value]));
    expect(apiserver).toMatchObject({
      'etcd-servers': 'https://127.0.0.1:2379',
      'etcd-cafile': '/data/hl/sim/etcd-pki/ca.crt',
      'etcd-certfile': '/data/hl/sim/etcd-pki/apiserver-etcd-client.crt',
      'etcd-keyfile': '/data/hl/sim/etcd-pki/apiserver-etcd-client.key',
    });
    // The etcd CA is not the cluster CA, which also signs every node's client certificate.
    expect(apiserver['etcd-cafile']).not.toContain('/kwok/');
  });

  it("makes the API server check real kubelets' serving certificates against the cluster CA", () => {
    const real = parse(renderKwokctlConfig(versions, binaries, layout, { kubeletClientCertificate: true }));
    const args = (real.componentsPatches as { name: string; extraArgs: { key: string; value: string }[] }[]).find(
      (patch) => patch.name === 'kube-apiserver',
    )!.extraArgs;
    expect(args).toContainEqual({ key: 'kubelet-certificate-authority', value: '/data/hl/sim/kwok/clusters/hardenlab/pki/ca.crt' });
  });

  it('runs the controller manager and scheduler without leader election, so an API server stall does not end them', () => {
    const argsOf = (name: string) =>
      (config.componentsPatches as { name: string; extraArgs: { key: string; value: string }[] }[]).find((patch) => patch.name === name)
        ?.extraArgs;
    expect(argsOf('kube-controller-manager')).toEqual([{ key: 'leader-elect', value: 'false' }]);
    expect(argsOf('kube-scheduler')).toEqual([{ key: 'leader-elect', value: 'false' }]);
  });
});

describe('renderNodeManifests', () => {
  it('gives each KWOK node its node host address as InternalIP, the configured capacity and no taint', () => {
    const size = { cpu: '0.5', memory: '768Mi' };
    const docs = parseAllDocuments(renderNodeManifests(DEFAULT_TESTBED_INSTANCE.nodes, 'v0.8.0', size)).map((doc) => doc.toJS());
    expect(docs.map((doc) => doc.metadata.name)).toEqual(['sim-node-1', 'sim-node-2', 'sim-node-3']);
    expect(docs.map((doc) => doc.status.addresses[0])).toEqual([
      { type: 'InternalIP', address: '127.0.0.11' },
      { type: 'InternalIP', address: '127.0.0.12' },
      { type: 'InternalIP', address: '127.0.0.13' },
    ]);
    for (const doc of docs) {
      expect(doc.spec.taints).toBeUndefined();
      expect(doc.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
      expect([doc.status.capacity, doc.status.allocatable]).toEqual([1, 2].map(() => ({ cpu: '0.5', memory: '768Mi', pods: '110' })));
    }
  });
});

describe('renderSshdConfig', () => {
  it('listens on the node address only, with its own host key and pid file, key login only', () => {
    const config = renderSshdConfig(DEFAULT_TESTBED_INSTANCE.nodes[1]!, layout, '/run/hardenlab/sim/x/authorized_keys');
    expect(config).toContain('ListenAddress 127.0.0.12:22');
    expect(config).toContain('HostKey /data/hl/sim/nodes/sim-node-2/ssh_host_ed25519_key');
    expect(config).toContain('PidFile /data/hl/sim/nodes/sim-node-2/sshd.pid');
    // The keys from a root-owned file outside the data folder, and sshd checks its owner and modes (StrictModes).
    expect(config).toContain('AuthorizedKeysFile /run/hardenlab/sim/x/authorized_keys');
    expect(config).toMatch(/^StrictModes yes$/m);
    expect(config).not.toContain('/data/hl/sim/ssh/authorized_keys');
    expect(config).toMatch(/^PasswordAuthentication no$/m);
    expect(config).toMatch(/^UsePAM no$/m);
    expect(config).not.toMatch(/0\.0\.0\.0/);
  });
});

describe('knownHostsLine', () => {
  it('writes port 22 hosts bare and other ports bracketed, dropping the comment', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIabc hardenlab-sim-node-1\n';
    expect(knownHostsLine('127.0.0.11', 22, key)).toBe('127.0.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIabc');
    expect(knownHostsLine('127.0.0.11', 2222, key)).toBe('[127.0.0.11]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIabc');
  });

  it('rejects text that is not a public key', () => {
    expect(() => knownHostsLine('127.0.0.11', 22, 'garbage')).toThrow('not an OpenSSH public key');
  });
});

describe('buildNodeMap', () => {
  it('is a valid node map with absolute key and known_hosts paths and no trust on first use', () => {
    const map = nodeMapSchema.parse(buildNodeMap(DEFAULT_TESTBED_INSTANCE.nodes, layout));
    expect(map.nodes).toHaveLength(3);
    expect(map.nodes[0]).toEqual({
      name: 'sim-node-1',
      host: '127.0.0.11',
      port: 22,
      user: 'root',
      privateKeyPath: '/data/hl/sim/ssh/id_ed25519',
      knownHostsPath: '/data/hl/sim/ssh/known_hosts',
      trustOnFirstUse: false,
    });
  });
});

describe('a second, disjoint instance', () => {
  const instance = {
    clusterName: 'other',
    ports: {
      kubeApiserver: 16443,
      etcd: 12379,
      etcdPeer: 12380,
      kubeControllerManager: 20257,
      kubeScheduler: 20259,
      kwokController: 20247,
      ssh: 2222,
    },
    nodes: [{ name: 'other-node-1', address: '127.0.0.21' }],
  };
  const other = testbedLayout('/data/other', instance);

  it('uses its own ports, cluster folder and node addresses everywhere', () => {
    const config = parse(renderKwokctlConfig(versions, binaries, other));
    expect(config.options).toMatchObject({
      kubeApiserverPort: 16443,
      etcdPort: 12379,
      etcdPeerPort: 12380,
      kubeControllerManagerPort: 20257,
      kubeSchedulerPort: 20259,
      kwokControllerPort: 20247,
    });
    expect(other.kwokClusterDir).toBe('/data/other/sim/kwok/clusters/other');
    expect(renderSshdConfig(instance.nodes[0]!, other, '/run/k')).toContain('ListenAddress 127.0.0.21:2222');
    expect(buildNodeMap(instance.nodes, other).nodes[0]).toMatchObject({ host: '127.0.0.21', port: 2222 });
  });
});
