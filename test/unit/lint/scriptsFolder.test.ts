/**
 * scripts/ holds only what builds images and binaries or sets the machine up (issue 26), with the README's two
 * commands (demo.sh and test.sh: set up, then run). The test side lives under test/: the runner in test/runner/,
 * the fixture recorders in test/fixture-recorders/, measurements in test/bench/, the VM guest's check in test/vm/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../../src/config/paths';

/** What may live in scripts/, each kind with its reason. */
const BUILD_OR_SETUP: readonly RegExp[] = [
  /^(setup|demo|test)\.sh$/, // set-up, and the README's two commands
  /(^|\/)build(-[\w-]+)?\.sh$/, // image and binary builds
  /(^|\/)install(-[\w-]+)?\.sh$/, // set-up: Debian's packages, kube-hunter's virtualenv
  /^lib\/[\w-]+\.sh$/, // what the builds and set-up source
  /(^|\/)versions\.env$|^requirements-temporal\.txt$/, // the pinned versions they build and install
  /^testbed\/node-files\/|^testbed\/vm\/guest-files\//, // files the node and guest images are built with
  /^tools\/compose-check\/[\w.-]+$/, // the Go module build-compose-check.sh builds
  /^testbed\/staging-replaces\.sh$/, // a step of testbed/build.sh (the go.mod replaces of the Kubernetes build)
  /^testbed\/vm\/payload-disks\.sh$/, // the VM guest's read-only disk images
];

function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(repoRoot, 'scripts', dir), { withFileTypes: true }).flatMap((entry) => {
    const file = dir ? `${dir}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesUnder(file) : [file];
  });
}

test('scripts/ holds only image builds and set-up', () => {
  const files = filesUnder('');
  expect(files).toEqual(expect.arrayContaining(['setup.sh', 'demo.sh', 'test.sh', 'testbed/build-node-image.sh']));
  expect(files.filter((file) => !BUILD_OR_SETUP.some((kind) => kind.test(file)))).toEqual([]);
});
