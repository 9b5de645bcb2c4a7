import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../../../src/process/subprocess';
import { kubeletSigningState, writeNodeKubelet, type NodeKubeletPaths } from '../../../src/testbed/realnodes/kubeletSetup';
import type { NodeKubeletInput } from '../../../src/testbed/realnodes/kubeletFiles';
import { tempDirSync } from '../../support/tempDir';

const input: NodeKubeletInput = {
  name: 'real-node-2',
  index: 2,
  nodeCount: 3,
  gateway: '10.77.0.1',
  apiPort: 26443,
  tlsServerName: 'localhost',
  cgroupV1: true,
  reservedCpuMilli: 1000,
};

async function newCa(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
    '-keyout', key, '-out', cert, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign',
  ]);
  return { cert, key };
}

/** A node folder with the bits of the image the setup reads: its network file. */
function nodeFolder(): string {
  const nodeDir = tempDirSync('hardenlab-kubelet-');
  fs.mkdirSync(path.join(nodeDir, 'rootfs', 'etc', 'systemd', 'network'), { recursive: true });
  fs.writeFileSync(path.join(nodeDir, 'rootfs', 'etc', 'systemd', 'network', '10-host0.network'), '[Match]\nName=host0\n');
  return nodeDir;
}

const read = (nodeDir: string, file: string) => fs.readFileSync(path.join(nodeDir, 'rootfs', file), 'utf8');
const mode = (nodeDir: string, file: string) => fs.statSync(path.join(nodeDir, 'rootfs', file)).mode & 0o777;

describe('a real node kubelet files', () => {
  it('writes certificates of the cluster CA for the node, its configuration with the right modes, and the routes once', async () => {
    const nodeDir = nodeFolder();
    const ca = await newCa(nodeDir, 'cluster-ca');
    const paths: NodeKubeletPaths = { nodeDir, caCertPath: ca.cert, caKeyPath: ca.key };
    expect(kubeletSigningState(paths)).toBe('first');
    await writeNodeKubelet(paths, input, '127.0.0.42');
    expect(kubeletSigningState(paths)).toBe('current');

    const pki = 'etc/kubernetes/pki';
    const caCert = new X509Certificate(fs.readFileSync(ca.cert));
    const serving = new X509Certificate(read(nodeDir, `${pki}/kubelet-serving.crt`));
    expect(serving.verify(caCert.publicKey)).toBe(true);
    expect(serving.subject).toBe('O=system:nodes\nCN=system:node:real-node-2');
    expect(serving.subjectAltName).toBe('IP Address:127.0.0.42, IP Address:10.77.0.12, DNS:real-node-2');
    expect(serving.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const client = new X509Certificate(read(nodeDir, `${pki}/kubelet-client.crt`));
    expect([client.subject, client.keyUsage, client.verify(caCert.publicKey)]).toEqual([
      'O=system:nodes\nCN=system:node:real-node-2', ['1.3.6.1.5.5.7.3.2'], true,
    ]);
    const proxy = new X509Certificate(read(nodeDir, `${pki}/kube-proxy.crt`));
    expect([proxy.subject, proxy.verify(caCert.publicKey)]).toEqual(['CN=system:kube-proxy', true]);
    for (const key of ['kubelet-serving', 'kubelet-client', 'kube-proxy']) expect(mode(nodeDir, `${pki}/${key}.key`)).toBe(0o600);
    expect(read(nodeDir, `${pki}/ca.crt`)).toBe(fs.readFileSync(ca.cert, 'utf8'));

    const kubeconfig = read(nodeDir, 'etc/kubernetes/kubelet.conf');
    expect(kubeconfig).toContain('    server: https://10.77.0.1:26443\n    certificate-authority: /etc/kubernetes/pki/ca.crt\n');
    expect(kubeconfig).toContain('- name: real-node-2\n  user:\n    client-certificate: /etc/kubernetes/pki/kubelet-client.crt\n');
    expect(mode(nodeDir, 'etc/kubernetes/kubelet.conf')).toBe(0o600);
    expect(read(nodeDir, 'etc/kubernetes/kube-proxy.conf')).toContain('client-key: /etc/kubernetes/pki/kube-proxy.key\n');
    const kubelet = read(nodeDir, 'var/lib/kubelet/config.yaml');
    expect(kubelet).toContain('cgroupDriver: cgroupfs\nfailCgroupV1: false # kubelet >= 1.35 refuses cgroup v1 without it\nfailSwapOn');
    expect(kubelet).toContain('systemReserved: {cpu: "1000m"}\npodCIDR: 10.244.2.0/24\n');
    // The host's disk is shared: no image garbage collection (it took the pause image), eviction only when nearly full.
    expect(kubelet).toContain('imageGCHighThresholdPercent: 100\n');
    expect(kubelet).toContain('imagefs.available: "1%"');
    expect(read(nodeDir, 'var/lib/kube-proxy/config.yaml')).toContain('hostnameOverride: real-node-2\n');
    const cni = JSON.parse(read(nodeDir, 'etc/cni/net.d/10-hardenlab.conflist'));
    expect(cni.plugins[0].ipam.ranges).toEqual([[{ subnet: '10.244.2.0/24' }]]);
    const routes = '\n[Route]\nDestination=10.244.1.0/24\nGateway=10.77.0.11\n\n[Route]\nDestination=10.244.3.0/24\nGateway=10.77.0.13\n';
    expect(read(nodeDir, 'etc/systemd/network/10-host0.network')).toBe(`[Match]\nName=host0\n${routes}`);
    const wants = path.join(nodeDir, 'rootfs', 'etc/systemd/system/multi-user.target.wants');
    expect(fs.readlinkSync(path.join(wants, 'kubelet.service'))).toBe('/etc/systemd/system/kubelet.service');

    // A new cluster CA: signed again; the routes are not added twice.
    const next = await newCa(nodeDir, 'next-ca');
    const nextPaths = { nodeDir, caCertPath: next.cert, caKeyPath: next.key };
    expect(kubeletSigningState(nextPaths)).toBe('resign');
    await writeNodeKubelet(nextPaths, { ...input, cgroupV1: false }, '127.0.0.42');
    const resigned = new X509Certificate(read(nodeDir, `${pki}/kubelet-client.crt`));
    expect(resigned.verify(new X509Certificate(fs.readFileSync(next.cert)).publicKey)).toBe(true);
    expect(read(nodeDir, 'var/lib/kubelet/config.yaml')).toContain('cgroupDriver: cgroupfs\nfailSwapOn: false\n');
    expect(read(nodeDir, 'etc/systemd/network/10-host0.network')).toBe(`[Match]\nName=host0\n${routes}`);
  });

  it('never writes through a link the node planted in its rootfs', async () => {
    const nodeDir = nodeFolder();
    const ca = await newCa(nodeDir, 'cluster-ca');
    const outside = path.join(nodeDir, 'host-file');
    fs.writeFileSync(outside, 'host\n');
    fs.mkdirSync(path.join(nodeDir, 'rootfs', 'etc', 'kubernetes'), { recursive: true });
    fs.symlinkSync(outside, path.join(nodeDir, 'rootfs', 'etc', 'kubernetes', 'kubelet.conf'));
    await writeNodeKubelet({ nodeDir, caCertPath: ca.cert, caKeyPath: ca.key }, input, '127.0.0.42');
    expect(fs.readFileSync(outside, 'utf8')).toBe('host\n');
    expect(fs.lstatSync(path.join(nodeDir, 'rootfs', 'etc', 'kubernetes', 'kubelet.conf')).isFile()).toBe(true);

    const other = nodeFolder();
    fs.mkdirSync(path.join(nodeDir, 'elsewhere'));
    fs.symlinkSync(path.join(nodeDir, 'elsewhere'), path.join(other, 'rootfs', 'var'));
    await expect(writeNodeKubelet({ nodeDir: other, caCertPath: ca.cert, caKeyPath: ca.key }, input, '127.0.0.42')).rejects.toThrow(
      /rootfs\/var is not a folder of the node's rootfs \(a link or a file\)/,
    );
    expect(fs.readdirSync(path.join(nodeDir, 'elsewhere'))).toEqual([]);
  });

  it('refuses a kubelet address off host loopback', async () => {
    const nodeDir = nodeFolder();
    await expect(writeNodeKubelet({ nodeDir, caCertPath: 'x', caKeyPath: 'y' }, input, '10.0.0.5')).rejects.toThrow(
      "node real-node-2: the kubelet's address must be on loopback, got '10.0.0.5'",
    );
  });
});
