import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestbedLayout } from './layout';
import { CLIENT_EXTENSIONS, createCa, servingExtensions, signCertificate } from '../pki/openssl';

/**
 * etcd's own certificates: a CA of its own (not the cluster CA, which also signs the nodes' client certificates),
 * a serving and peer certificate for 127.0.0.1, and the one client certificate etcd accepts, the API server's.
 * Without them etcd would take plain HTTP writes from any local user (a privileged Pod written past admission).
 */
export interface EtcdPki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  apiServerClientCert: string;
  apiServerClientKey: string;
}

export function etcdPki(layout: TestbedLayout): EtcdPki {
  const dir = path.join(layout.testbedDir, 'etcd-pki');
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    apiServerClientCert: file('apiserver-etcd-client.crt'),
    apiServerClientKey: file('apiserver-etcd-client.key'),
  };
}

/** Writes a fresh etcd CA and certificates (a new cluster gets new ones) into a folder only the owner can open. */
export async function createEtcdPki(layout: TestbedLayout): Promise<EtcdPki> {
  const pki = etcdPki(layout);
  fs.rmSync(pki.dir, { recursive: true, force: true });
  fs.mkdirSync(pki.dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(pki.dir, 0o700);
  const ca = { cert: pki.caCert, key: pki.caKey };
  await createCa('hardenlab-etcd-ca', ca);
  // Serving and peer (the single member talks to itself as a peer client too).
  const server = servingExtensions(['127.0.0.1', 'localhost'], true);
  await signCertificate(ca, 'server', '/CN=hardenlab-etcd', server, { cert: pki.serverCert, key: pki.serverKey });
  const client = { cert: pki.apiServerClientCert, key: pki.apiServerClientKey };
  await signCertificate(ca, 'apiserver-etcd-client', '/CN=kube-apiserver-etcd-client', CLIENT_EXTENSIONS, client);
  for (const key of [pki.caKey, pki.serverKey, pki.apiServerClientKey]) fs.chmodSync(key, 0o600);
  return pki;
}

interface ExtraArg {
  key: string;
  value: string;
  override?: boolean;
}

/**
 * kwokctl's binary runtime starts etcd on plain HTTP and points the API server at it: these arguments replace
 * its URLs with https (client and peer) and require a client certificate of etcd's own CA on both.
 */
export function etcdTlsArgs(layout: TestbedLayout): { etcd: ExtraArg[]; kubeApiserver: ExtraArg[] } {
  const pki = etcdPki(layout);
  const { etcd: client, etcdPeer: peer } = layout.instance.ports;
  const clientUrl = `https://127.0.0.1:${client}`;
  const peerUrl = `https://127.0.0.1:${peer}`;
  return {
    etcd: [
      { key: 'listen-client-urls', value: clientUrl, override: true },
      { key: 'advertise-client-urls', value: clientUrl, override: true },
      { key: 'listen-peer-urls', value: peerUrl, override: true },
      { key: 'initial-advertise-peer-urls', value: peerUrl, override: true },
      { key: 'initial-cluster', value: `node0=${peerUrl}`, override: true },
      { key: 'cert-file', value: pki.serverCert },
      { key: 'key-file', value: pki.serverKey },
      { key: 'trusted-ca-file', value: pki.caCert },
      { key: 'client-cert-auth', value: 'true' },
      { key: 'peer-cert-file', value: pki.serverCert },
      { key: 'peer-key-file', value: pki.serverKey },
      { key: 'peer-trusted-ca-file', value: pki.caCert },
      { key: 'peer-client-cert-auth', value: 'true' },
    ],
    kubeApiserver: [
      { key: 'etcd-servers', value: clientUrl, override: true },
      { key: 'etcd-cafile', value: pki.caCert },
      { key: 'etcd-certfile', value: pki.apiServerClientCert },
      { key: 'etcd-keyfile', value: pki.apiServerClientKey },
    ],
  };
}
