/**
 * A local user of a node tries to become root through hardenlab (issue #13): before the run they create
 * the folder hardenlab used to run kube-bench from with sudo (/var/tmp/hardenlab), with a kube-bench of
 * their own that answers `version` as the real one does and leaves a marker when it runs. On the test
 * bed's real sshd the run uploads its own kube-bench to a private directory instead: the planted program
 * never runs, the run succeeds, and the run leaves no directory behind.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createToolActivities } from '../../activities/tools';
import { experimentSchema } from '../../src/config/experiment';
import type { ToolRunRequest } from '../../src/domain/contracts';
import { runLabelValue } from '../../src/kube/manifests';
import { Ssh2Connector } from '../../src/ssh';
import { ArtifactStore } from '../../src/store/artifactStore';
import { defaultToolBinaries } from '../../src/tools/install';
import { loadToolKubeClient } from '../../src/tools/kubeAccess';
import { ensureTestbed } from '../support/testbed';
import { namespaceClosureViolations } from '../../src/testbed/realNodes';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';

jest.setTimeout(15 * 60_000);

const suffix = randomBytes(4).toString('hex');
const attacker = `hlplant${suffix}`;
const OLD_ROOT = '/var/tmp/hardenlab';
const marker = `/var/tmp/hardenlab-planted-ran-${suffix}`;
const runId = `it-takeover-${suffix}`;
let work: string;
let savedOldRoot: string | undefined;

const asAttacker = (script: string) => execFileSync('runuser', ['-u', attacker, '--', '/bin/sh', '-c', script], { encoding: 'utf8' });

beforeAll(async () => {
  expect(process.getuid!()).toBe(0); // creating the second user needs root, as the test bed does
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-takeover-'));
  if (existsSync(OLD_ROOT)) {
    // State of earlier runs on this shared machine: kept aside and put back afterwards.
    savedOldRoot = `${OLD_ROOT}.saved-${suffix}`;
    await fs.rename(OLD_ROOT, savedOldRoot);
  }
  execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', attacker]);
  const version = defaultToolBinaries(process.env).kubeBenchVersion;
  // The planted kube-bench: prints the expected version (the old reuse check) and marks that it ran, as whom.
  asAttacker(`set -e
umask 022
mkdir -p ${OLD_ROOT}/kube-bench-${version}/cfg ${OLD_ROOT}/runs
printf 'master: {}\\n' > ${OLD_ROOT}/kube-bench-${version}/cfg/config.yaml
cat > ${OLD_ROOT}/kube-bench-${version}/kube-bench <<'PLANTED'
#!/bin/sh
id -un >> ${marker}
echo ${version}
PLANTED
chmod 0755 ${OLD_ROOT}/kube-bench-${version}/kube-bench
chmod 0777 ${OLD_ROOT} ${OLD_ROOT}/runs`);
});

afterAll(async () => {
  await fs.rm(OLD_ROOT, { recursive: true, force: true });
  if (savedOldRoot) await fs.rename(savedOldRoot, OLD_ROOT);
  await fs.rm(marker, { force: true });
  try {
    execFileSync('userdel', [attacker]);
  } catch {
    // already gone
  }
  if (work) await fs.rm(work, { recursive: true, force: true });
});

test('a kube-bench planted at the old shared path by another user is never run, and the run succeeds', async () => {
  const testbed = await ensureTestbed();
  const cluster = { provider: 'local' as const, kubeconfigPath: testbed.kubeconfigPath, nodeMapPath: testbed.nodeMapPath };
  const tools = createToolActivities({
    loadNodeMap,
    workerTempDir: work,
    ssh: new Ssh2Connector(),
    kube: (ref) => loadToolKubeClient(ref, { logTimeoutMs: 15_000 }),
    store: new ArtifactStore(path.join(work, 'store')),
    binaries: defaultToolBinaries(process.env),
    env: process.env,
    namespaceClosureViolations: (namespace) => namespaceClosureViolations(namespace, process.env),
  });
  const request: ToolRunRequest = {
    runId,
    cluster,
    namespace: `hl-${runId}`,
    tools: experimentSchema.parse({ tools: { kubeBench: { mode: 'node', targets: ['master'] } } }).tools,
    artifactKey: `runs/${runId}`,
  };
  const summary = await tools.runKubeBench(request);

  expect(summary).toMatchObject({
    tool: 'kube-bench',
    mode: 'node',
    outcome: 'ok',
    version: defaultToolBinaries(process.env).kubeBenchVersion,
  });
  expect((summary.counts as Record<string, number>).fail).toBeGreaterThan(0); // the real kube-bench ran against the real API server
  expect(existsSync(marker)).toBe(false);
  // The planted folder is untouched, and the run's private directory is gone.
  expect(asAttacker(`ls ${OLD_ROOT}/runs | wc -l`).trim()).toBe('0');
  const leftovers = (await fs.readdir('/var/tmp')).filter((name) => name.startsWith(`hardenlab-${runLabelValue(runId)}.`));
  expect(leftovers).toEqual([]);
});
