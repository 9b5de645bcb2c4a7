import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createSamplingActivities } from '../../../activities/sampling';
import type { NodeEntry } from '../../../src/config/nodeMap';
import { loadNodeMap } from '../../../src/ssh/nodeMapFile';
import { probeSysstatScript } from '../../../src/sampling/samplingScripts';
import type { ExecResult, SshSession } from '../../../src/ssh/connection';
import { privilegedCommand } from '../../../src/ssh/shell';
import { isSudoDenied, permissionDenied } from '../../../src/ssh/sshFailures';
import { ArtifactStore } from '../../../src/store/artifactStore';
import { tempDir, tempDirSync } from '../../support/tempDir';

/** A node without sysstat: answers the probe, the install and the sampler script like a real one would. */
function nodeWithout(sysstat: { pm?: string; sudo: 'ok' | 'denied' }) {
  const log: string[] = [];
  let installed = false;
  const session = (node: NodeEntry): SshSession => {
    const exec = async (command: string, options: { privileged?: boolean } = {}): Promise<ExecResult> => {
      const line = options.privileged ? privilegedCommand(node.user, command) : command;
      log.push(line);
      if (command === probeSysstatScript()) {
        return {
          code: 0,
          stdout: installed
            ? 'sadc=/usr/lib64/sa/sadc\nsadf=/usr/bin/sadf\nversion=12.5.4\n'
            : `sadc=\n${sysstat.pm ? `pm=${sysstat.pm}\n` : ''}`,
          stderr: '',
        };
      }
      if (line.startsWith('sudo -n')) {
        if (sysstat.sudo === 'denied') return { code: 1, stdout: '', stderr: 'sudo: a password is required\n' };
        installed = true;
        return { code: 0, stdout: '', stderr: '' };
      }
      if (command.includes('mode=start')) return { code: 0, stdout: 'now_ms=5000\nstarted_ms=5000\nstate=started\npid=4242\n', stderr: '' };
      return { code: 2, stdout: '', stderr: `unexpected ${command.slice(0, 40)}` };
    };
    return {
      node,
      target: `${node.user}@${node.host}:${node.port}`,
      hostKey: { fingerprint: 'SHA256:x', keyType: 'ssh-ed25519', via: 'known_hosts' },
      exec,
      run: async (command, options = {}) => {
        const r = await exec(command, options);
        if (options.privileged && isSudoDenied(r.stderr, r.code)) throw permissionDenied('x', command, r.stderr);
        if (r.code !== 0) throw new Error(r.stderr);
        return r.stdout;
      },
      stat: async () => null,
      download: async () => ({ bytes: 0, resumedFrom: 0 }),
      upload: async () => ({ bytes: 0 }),
      close: async () => undefined,
    };
  };
  return { log, connector: { connect: async (node: NodeEntry) => session(node) } };
}

async function nodeMap(): Promise<string> {
  const dir = await tempDir('hardenlab-sysstat-');
  const file = path.join(dir, 'nodes.yaml');
  await fs.writeFile(file, 'nodes:\n  - name: rhel-1\n    host: 10.0.0.8\n    user: ops\n    privateKeyPath: /k\n');
  return file;
}

describe('ensuring sysstat', () => {
  const store = new ArtifactStore(tempDirSync('hardenlab-store-'));
  const request = async () => ({ runId: 'r1', nodeMapPath: await nodeMap(), intervalSeconds: 10, durationSeconds: 600 });

  it("installs it with the node's package manager through sudo and records the version", async () => {
    const node = nodeWithout({ pm: 'dnf', sudo: 'ok' });
    const started = await createSamplingActivities({ loadNodeMap, ssh: node.connector, store }).startSampling(await request());
    expect(started.nodes).toEqual([{ node: 'rhel-1', pid: 4242, sysstatVersion: '12.5.4', alreadyRunning: false }]);
    expect(node.log).toContain("sudo -n sh -c 'dnf install -y sysstat'");
  });

  it('fails non-retryably naming the install command when sudo is refused', async () => {
    const node = nodeWithout({ pm: 'apt-get', sudo: 'denied' });
    const error = await createSamplingActivities({ loadNodeMap, ssh: node.connector, store })
      .startSampling(await request())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toContain('apt-get install -y sysstat');
  });

  it('fails non-retryably when there is no package manager to install it with', async () => {
    const node = nodeWithout({ sudo: 'ok' });
    const error = (await createSamplingActivities({ loadNodeMap, ssh: node.connector, store })
      .startSampling(await request())
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(error.type).toBe('SysstatUnavailable');
  });

  it('refuses bad requests before touching any node', async () => {
    const node = nodeWithout({ pm: 'dnf', sudo: 'ok' });
    const activities = createSamplingActivities({ loadNodeMap, ssh: node.connector, store });
    const bad = (await activities
      .startSampling({ ...(await request()), intervalSeconds: 0 })
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(bad.type).toBe('InvalidSamplingRequest');
    expect(node.log).toEqual([]);
  });
});
