/**
 * The collect activity with the cgroup CPU source: a node played by sh in a folder of this machine (its "home"),
 * holding a real sadc file and the reader's recorded cgroup-cpu.tsv in the run's folder, as the wrapper leaves
 * them. The stored series takes its CPU from the cgroup and keeps sar's beside it; a node without the file keeps
 * sar's; a bad file fails the collect naming the stored file and line.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createSamplingActivities } from '../../../activities/sampling';
import type { NodeEntry } from '../../../src/config/nodeMap';
import type { NodeSeries } from '../../../src/domain/samples';
import { loadNodeMap } from '../../../src/ssh/nodeMapFile';
import { CGROUP_CPU_FILE, parseCgroupCpu } from '../../../src/sampling/cgroupCpu';
import { remotePaths, SADC_CANDIDATES } from '../../../src/sampling/samplingScripts';
import type { SshSession } from '../../../src/ssh/connection';
import { ArtifactStore } from '../../../src/store/artifactStore';
import { itWhen } from '../../support/skip';
import { tempDirSync } from '../../support/tempDir';

jest.setTimeout(60_000);
const sadc = SADC_CANDIDATES.find((candidate) => existsSync(candidate));
const itWithSadc = itWhen({ met: sadc !== undefined, missing: `sysstat's sadc is not installed`, providedBySetup: true });
const recorded = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'cgroup-cpu', 'v2-root-2cpus.tsv'), 'utf8');

function localNode(home: string, node: NodeEntry): SshSession {
  const exec = async (command: string) => {
    try {
      return { code: 0, stdout: execFileSync('sh', ['-c', command], { cwd: home, encoding: 'utf8' }), stderr: '' };
    } catch (err) {
      const failed = err as { status: number; stdout: string; stderr: string };
      return { code: failed.status, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  return {
    node,
    target: `root@${node.host}:22`,
    hostKey: { fingerprint: 'SHA256:x', keyType: 'ssh-ed25519', via: 'known_hosts' },
    exec,
    run: async (command) => (await exec(command)).stdout,
    stat: async () => null,
    download: async (remote, local) => {
      await fs.copyFile(path.resolve(home, remote), local);
      return { bytes: (await fs.stat(local)).size, resumedFrom: 0 };
    },
    upload: async () => ({ bytes: 0 }),
    close: async () => undefined,
  };
}

describe('collectSamples with the cgroup CPU source', () => {
  const root = tempDirSync('hardenlab-collect-cgroup-');
  const store = new ArtifactStore(path.join(root, 'store'));
  const runId = 'run-cgroup';

  async function collect(name: string, cgroupFile: string | undefined) {
    const home = path.join(root, name);
    const paths = remotePaths(runId, 'n1');
    await fs.mkdir(path.join(home, paths.dir), { recursive: true, mode: 0o700 });
    execFileSync(sadc!, ['1', '2', path.join(home, paths.data)]);
    if (cgroupFile !== undefined) await fs.writeFile(path.join(home, paths.dir, CGROUP_CPU_FILE), cgroupFile);
    const nodeMapPath = path.join(home, 'nodes.yaml');
    await fs.writeFile(nodeMapPath, 'nodes:\n  - name: n1\n    host: 127.0.0.1\n    privateKeyPath: /nonexistent\n');
    const activities = createSamplingActivities({ ssh: { connect: async (node) => localNode(home, node) }, store, loadNodeMap });
    const artifactKey = `collect-${name}`;
    const result = await activities.collectSamples({ runId, nodeMapPath, artifactKey });
    return { result, series: await store.readJson<NodeSeries>(artifactKey, 'nodes/n1/series.json') };
  }

  itWithSadc('stores the cgroup series as the CPU, sar’s beside it, and the limits in sampling.json', async () => {
    const { result, series } = await collect('cgroup', recorded);
    const cgroup = parseCgroupCpu(recorded, CGROUP_CPU_FILE).samples;
    expect(series.cpuSource).toBe('cgroup');
    expect(series.cpu).toEqual(cgroup);
    expect(series.sarCpu!.length).toBeGreaterThan(0);
    expect(result.nodes[0]!.cpuSamples).toBe(cgroup.length);
    const sampling = await store.readJson<{ cgroupCpu: unknown }>('collect-cgroup', 'nodes/n1/sampling.json');
    expect(sampling.cgroupCpu).toEqual({ limits: [{ cpus: 2, from: 'cpuset' }], resets: 0 });
  });

  itWithSadc('keeps sar’s CPU where the node left no cgroup file', async () => {
    const { series } = await collect('sar', undefined);
    expect(series.cpuSource).toBe('sar');
    expect(series.cpu.length).toBeGreaterThan(0);
    expect(series.sarCpu).toBeUndefined();
  });

  itWithSadc('fails on a bad cgroup file, naming the stored file and line', async () => {
    const bad = recorded.replace(/\n(\d+) (\d+) /, '\n$1 x$2 ');
    await expect(collect('bad', bad)).rejects.toThrow(
      `${store.resolve('collect-bad', 'nodes/n1', CGROUP_CPU_FILE)}:2: expected "<epoch ms> <usage µs> <user µs> <system µs>"`,
    );
  });
});
