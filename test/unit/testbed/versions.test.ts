import * as path from 'node:path';
import { binaryPaths, parseVersionsEnv, readVersions } from '../../../src/testbed/buildVersions';

describe('parseVersionsEnv', () => {
  it('reads the pinned versions, ignoring comments and blank lines', () => {
    const text = '# pins\n\nKUBERNETES_VERSION=v1.36.3\nETCD_VERSION=v3.6.16\nKWOK_VERSION=v0.8.0\n';
    expect(parseVersionsEnv(text)).toEqual({ kubernetes: 'v1.36.3', etcd: 'v3.6.16', kwok: 'v0.8.0' });
  });

  it('names the line of a malformed entry', () => {
    expect(() => parseVersionsEnv('KUBERNETES_VERSION=v1.36.3\nnot a pair\n', 'versions.env')).toThrow('versions.env:2: expected KEY=VALUE');
  });

  it('names a missing or malformed version', () => {
    expect(() => parseVersionsEnv('KUBERNETES_VERSION=v1.36.3\nKWOK_VERSION=v0.8.0\n')).toThrow('ETCD_VERSION is missing');
    expect(() => parseVersionsEnv('KUBERNETES_VERSION=1.36\nETCD_VERSION=v3.6.16\nKWOK_VERSION=v0.8.0\n')).toThrow('KUBERNETES_VERSION=1.36');
  });

  it('parses the committed versions.env (the file build.sh sources)', () => {
    const versions = readVersions();
    expect(versions.kubernetes).toMatch(/^v1\.36\.\d+$/);
    expect(versions.etcd).toMatch(/^v3\.6\.\d+$/);
    expect(versions.kwok).toBe('v0.8.0');
  });
});

describe('binaryPaths', () => {
  it('keys each component folder by its version, as build.sh does', () => {
    const paths = binaryPaths({ kubernetes: 'v1.36.3', etcd: 'v3.6.16', kwok: 'v0.8.0' }, '/cache');
    expect(paths.kubeApiserver).toBe(path.join('/cache/bin/kubernetes-v1.36.3/kube-apiserver'));
    expect(paths.kubectl).toBe('/cache/bin/kubernetes-v1.36.3/kubectl');
    expect(paths.etcd).toBe('/cache/bin/etcd-v3.6.16/etcd');
    expect(paths.etcdctl).toBe('/cache/bin/etcd-v3.6.16/etcdctl');
    expect(paths.kwok).toBe('/cache/bin/kwok-v0.8.0/kwok');
    expect(paths.kwokctl).toBe('/cache/bin/kwok-v0.8.0/kwokctl');
  });
});
