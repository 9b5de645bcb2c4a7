import {
  hostOfServer,
  kubeBenchArgs,
  kubeHunterArgs,
  kubeHunterEnv,
  kubeMinorVersion,
  trivyArgs,
  trivyEnv,
} from '../../../src/tools/toolCommands';

describe('kube-bench command', () => {
  it('writes JSON to the run file with the config dir and the explicit benchmark', () => {
    expect(
      kubeBenchArgs({
        benchmark: 'cis-1.11',
        targets: ['master', 'etcd'],
        configDir: '/opt/kb/cfg',
        outputFile: '/var/tmp/hardenlab/runs/r1/kube-bench-node.json',
      }),
    ).toEqual([
      'run',
      '--targets',
      'master,etcd',
      '--benchmark',
      'cis-1.11',
      '--config-dir',
      '/opt/kb/cfg',
      '--json',
      '--outputfile',
      '/var/tmp/hardenlab/runs/r1/kube-bench-node.json',
    ]);
  });

  it('passes the cluster version instead of a benchmark in auto mode, never both (kube-bench refuses both)', () => {
    expect(kubeBenchArgs({ kubeVersion: '1.36' })).toEqual(['run', '--version', '1.36', '--json']);
    const both = kubeBenchArgs({ benchmark: 'cis-1.11', kubeVersion: '1.36' });
    expect(both).toContain('--benchmark');
    expect(both).not.toContain('--version');
  });

  it('leaves targets and benchmark to kube-bench when none are configured', () => {
    expect(kubeBenchArgs({})).toEqual(['run', '--json']);
  });

  it('reads major.minor from server versions, including the "+" of managed clusters', () => {
    expect(kubeMinorVersion({ major: '1', minor: '36', gitVersion: 'v1.36.3' })).toBe('1.36');
    expect(kubeMinorVersion({ major: '1', minor: '33+', gitVersion: 'v1.33.4-lke1' })).toBe('1.33');
    expect(kubeMinorVersion({ major: '', minor: '', gitVersion: 'v1.31.2' })).toBe('1.31');
    expect(kubeMinorVersion({ major: '', minor: '', gitVersion: 'v0.0.0-master' })).toBe('0.0');
    expect(kubeMinorVersion({ gitVersion: 'unknown' })).toBeUndefined();
  });
});

describe('kube-hunter command', () => {
  it('remote mode hunts the given host, always with --report json --log none, passive by default', () => {
    expect(kubeHunterArgs({ mode: 'remote', remoteTarget: '127.0.0.1', active: false })).toEqual([
      '--remote',
      '127.0.0.1',
      '--report',
      'json',
      '--log',
      'none',
    ]);
  });

  it('adds --active only when enabled', () => {
    expect(kubeHunterArgs({ mode: 'remote', remoteTarget: '10.0.0.5', active: true })).toEqual([
      '--remote',
      '10.0.0.5',
      '--report',
      'json',
      '--log',
      'none',
      '--active',
    ]);
  });

  it('interface and pod modes hunt from where they run', () => {
    expect(kubeHunterArgs({ mode: 'interface', active: false })).toEqual(['--interface', '--report', 'json', '--log', 'none']);
    expect(kubeHunterArgs({ mode: 'pod', active: false })).toEqual(['--pod', '--report', 'json', '--log', 'none']);
  });

  it('refuses remote mode without a target or with something that is not a host', () => {
    expect(() => kubeHunterArgs({ mode: 'remote', active: false })).toThrow(/needs a target/);
    expect(() => kubeHunterArgs({ mode: 'remote', remoteTarget: '10.0.0.0/8', active: false })).toThrow(/not a host/);
    expect(() => kubeHunterArgs({ mode: 'remote', remoteTarget: '1.2.3.4; rm -rf /', active: false })).toThrow(/not a host/);
  });

  it('takes the remote target from the API server URL', () => {
    expect(hostOfServer('https://127.0.0.1:6443')).toBe('127.0.0.1');
    expect(hostOfServer('https://[::1]:6443/')).toBe('::1');
    expect(hostOfServer('https://api.example.org')).toBe('api.example.org');
  });
});

describe('kube-hunter environment', () => {
  it('drops the CA bundle variables that would override its unverified HTTPS probes, keeping the rest', () => {
    const env = kubeHunterEnv({ PATH: '/usr/bin', REQUESTS_CA_BUNDLE: '/etc/ca.pem', CURL_CA_BUNDLE: '/etc/ca.pem', HOME: '/root' });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/root' });
  });
});

describe('trivyArgs / trivyEnv', () => {
  const base = {
    compliance: 'k8s-cis-1.23' as const,
    kubeconfig: '/k/config',
    cacheDir: '/p/cache',
    outputFile: '/p/report.json',
    timeoutSeconds: 900,
  };
  const offline = [
    '--skip-db-update',
    '--skip-java-db-update',
    '--skip-check-update',
    '--skip-vex-repo-update',
    '--offline-scan',
    '--skip-images',
    '--disable-node-collector',
  ];

  it('scans offline in both modes; compliance adds its spec, a context comes last as Trivy takes it', () => {
    const misconfig = trivyArgs({ ...base, mode: 'misconfig' });
    expect(misconfig.slice(0, 9)).toEqual([
      'k8s',
      '--kubeconfig',
      '/k/config',
      '--format',
      'json',
      '--report',
      'all',
      '--output',
      '/p/report.json',
    ]);
    for (const flag of offline) expect(misconfig).toContain(flag);
    expect(misconfig).not.toContain('--compliance');
    expect(misconfig.join(' ')).toContain('--scanners misconfig,rbac');
    expect(misconfig.join(' ')).toContain('--cache-dir /p/cache --timeout 900s');
    const compliance = trivyArgs({ ...base, mode: 'compliance', context: 'kind-x' });
    expect(compliance.join(' ')).toContain('--compliance k8s-cis-1.23');
    expect(compliance.at(-1)).toBe('kind-x');
  });

  it("keeps TRIVY_* and the worker's registry credentials away from Trivy, and gives it the private folder as HOME", () => {
    const env = trivyEnv(
      {
        PATH: '/bin',
        TRIVY_DB_REPOSITORY: 'x',
        trivy_offline_scan: 'false',
        DOCKER_CONFIG: '/d',
        GITHUB_TOKEN: 't',
        HTTPS_PROXY: 'http://p',
        HOME: '/root',
      },
      '/p',
    );
    expect(env).toEqual({ PATH: '/bin', HTTPS_PROXY: 'http://p', HOME: '/p', XDG_CACHE_HOME: '/p', XDG_CONFIG_HOME: '/p', TMPDIR: '/p' });
  });
});
