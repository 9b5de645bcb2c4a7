import * as fs from 'node:fs';
import { parseToolVersions, readToolVersions, toolPaths } from '../../../src/tools/install';

describe('tool versions (scripts/tools/versions.env)', () => {
  it('reads the pinned versions the install scripts use', () => {
    const versions = readToolVersions();
    expect(versions.kubeBench).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(versions.kubeHunter).toMatch(/^\d+\.\d+\.\d+$/);
    expect(versions.trivy).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it('names the line or key that is wrong', () => {
    expect(() => parseToolVersions('KUBE_BENCH_VERSION=v0.14.0\nKUBE_HUNTER_VERSION = 0.6.8\n', 'v.env')).toThrow(
      /v.env:2: expected KEY=VALUE/,
    );
    expect(() => parseToolVersions('KUBE_BENCH_VERSION=v0.14.0\n', 'v.env')).toThrow(/KUBE_HUNTER_VERSION is missing/);
    expect(() => parseToolVersions('KUBE_BENCH_VERSION=0.14\nKUBE_HUNTER_VERSION=0.6.8', 'v.env')).toThrow(
      /KUBE_BENCH_VERSION=0.14 does not look like/,
    );
  });

  it('keys cache folders by version, as the scripts do', () => {
    const paths = toolPaths(
      { kubeBench: 'v0.14.0', kubeHunter: '0.6.8', trivy: 'v0.74.0', gatekeeper: 'v3.23.1', vegeta: 'v12.13.0' },
      { HARDENLAB_CACHE: '/c' },
    );
    expect(paths.kubeBench).toBe('/c/bin/kube-bench-v0.14.0/kube-bench');
    expect(paths.kubeBenchConfigDir).toBe('/c/bin/kube-bench-v0.14.0/cfg');
    expect(paths.kubeHunter).toBe('/c/venv/kube-hunter-0.6.8/bin/kube-hunter');
    expect(paths.trivy).toBe('/c/bin/trivy-v0.74.0/trivy');
    for (const script of ['build-kube-bench.sh', 'install-kube-hunter.sh', 'build-trivy.sh']) {
      const text = fs.readFileSync(`${__dirname}/../../../scripts/tools/${script}`, 'utf8');
      expect(text).toMatch(/source .*versions\.env/);
    }
  });
});
