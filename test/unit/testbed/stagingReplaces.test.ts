import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../../src/config/paths';

const exec = promisify(execFile);
const script = path.join(repoRoot, 'scripts', 'testbed', 'staging-replaces.sh');
const fixture = path.join(repoRoot, 'test', 'fixtures', 'testbed', 'kubernetes-go.mod');

describe('staging-replaces.sh', () => {
  it('maps every ./staging/src replace (block and single-line forms) to the published v0.X.Y tag', async () => {
    const { stdout } = await exec('bash', [script, fixture, 'v1.36.3']);
    expect(stdout.trim().split('\n')).toEqual([
      '-replace=k8s.io/api=k8s.io/api@v0.36.3',
      '-replace=k8s.io/client-go=k8s.io/client-go@v0.36.3',
      '-replace=k8s.io/component-base=k8s.io/component-base@v0.36.3',
      '-replace=k8s.io/streaming=k8s.io/streaming@v0.36.3',
    ]);
  });

  it('follows the pinned minor and patch', async () => {
    const { stdout } = await exec('bash', [script, fixture, 'v1.35.12']);
    expect(stdout).toContain('-replace=k8s.io/api=k8s.io/api@v0.35.12');
  });

  it('rejects a version that is not a Kubernetes release', async () => {
    await expect(exec('bash', [script, fixture, '1.36'])).rejects.toMatchObject({ stderr: expect.stringContaining('not a Kubernetes release') });
  });

  it('fails when the go.mod has no staging replaces', async () => {
    await expect(exec('bash', [script, path.join(repoRoot, 'package.json'), 'v1.36.3'])).rejects.toMatchObject({
      stderr: expect.stringContaining('no ./staging/src replace lines'),
    });
  });
});
