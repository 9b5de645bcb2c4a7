/**
 * The fault tests' restore (test/support/faultsBed.ts) on a component that exits at each start, as a kube-apiserver
 * that cannot reach etcd in time does: started again up to three more times, then a failure naming each exit and the
 * end of the component's log. No test bed: the API it waits for is absent, so no check ever passes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FaultsBed, type ComponentLaunch } from '../../support/faultsBed';
import { tempDir } from '../../support/tempDir';

jest.setTimeout(60_000);

test('a component that exits after each start is started four times, and the failure names its exits and its log', async () => {
  const home = await tempDir('hardenlab-faults-bed-');
  const component: ComponentLaunch = {
    name: 'kube-apiserver',
    pidFile: path.join(home, 'kube-apiserver.pid'),
    argv: ['/bin/sh', '-c', 'echo "E1207 failed to reach etcd in time"; exit 3'],
    cwd: home,
    env: { PATH: process.env.PATH },
    logFile: path.join(home, 'kube-apiserver.log'),
  };
  const failure = await new FaultsBed(home).restoreControlPlane([component], 60_000, 500).catch((e: unknown) => e as Error);
  expect(failure).toBeInstanceOf(Error);
  const message = (failure as Error).message;
  expect(message).toMatch(/^control plane not restored: kube-apiserver exited after each of 4 starts\n/);
  expect(message).toContain('restarted: kube-apiserver, kube-apiserver, kube-apiserver, kube-apiserver');
  expect(message).toMatch(/exits: (kube-apiserver exited with code 3; ){3}/);
  expect(message).toContain("kube-apiserver's log ends:\n  E1207 failed to reach etcd in time");
  expect(fs.readFileSync(component.logFile, 'utf8').match(/failed to reach etcd/g)).toHaveLength(4);
});
