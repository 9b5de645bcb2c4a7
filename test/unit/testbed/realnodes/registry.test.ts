import { archiveReference, digestFile, registryConfig } from '../../../../src/testbed/realnodes/registry';
import { recorded, recordedBed } from './recorded';

test("the registry's configuration, writable while it is filled and read-only after, as registry-up wrote it", () => {
  const bed = recordedBed({ mode: 'v1' });
  expect(registryConfig(bed, false)).toBe(recorded('registry-config-writable.yml'));
  expect(registryConfig(bed, true)).toBe(recorded('registry-config-readonly.yml'));
});

test("an archive's docker.io tag names it in the registry, and its digest file", () => {
  expect(archiveReference(recorded('kube-bench-manifest.json'), 'kube-bench.tar')).toBe('aquasec/kube-bench:v0.14.0');
  expect(digestFile('/s', 'aquasec/kube-bench:v0.14.0')).toBe('/s/registry/digests/aquasec_kube-bench_v0.14.0');
  for (const manifest of ['[{"RepoTags":["quay.io/x:1"]}]', '[{"RepoTags":["docker.io/a:1","docker.io/b:1"]}]', '[{}]', 'not json'])
    expect(() => archiveReference(manifest, 'x.tar')).toThrow('x.tar has no docker.io tag');
});
