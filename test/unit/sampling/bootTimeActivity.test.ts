import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createSamplingActivities } from '../../../activities/sampling';
import type { NodeEntry } from '../../../src/config/nodeMap';
import { loadNodeMap } from '../../../src/ssh/nodeMapFile';
import { bootIdScript, bootTimeScript } from '../../../src/sampling/samplingScripts';
import type { ExecResult, SshConnector, SshSession } from '../../../src/ssh/connection';
import { ArtifactStore } from '../../../src/store/artifactStore';
import { tempDir, tempDirSync } from '../../support/tempDir';

/**
 * The reboot path cannot run on the test bed (its node hosts are this machine), so it is exercised here
 * against a scripted node: a boot id that changes across the reboot, SSH refused while it is down.
 */
class ScriptedNode {
  bootId = 'boot-1';
  down = 0;
  commands: string[] = [];
  constructor(private readonly systemdOutput: string) {}

  session(node: NodeEntry): SshSession {
    const respond = async (command: string): Promise<ExecResult> => {
      this.commands.push(command);
      if (command === bootIdScript()) return { code: 0, stdout: `${this.bootId}\n`, stderr: '' };
      if (command === bootTimeScript())
        return {
          code: 0,
          stdout: `rc=0\n${this.systemdOutput
            .split('\n')
            .map((l) => `out=${l}`)
            .join('\n')}\n`,
          stderr: '',
        };
      if (command.includes('reboot')) {
        this.bootId = 'boot-2';
        this.down = 2;
        return { code: 0, stdout: '', stderr: '' };
      }
      return { code: 127, stdout: '', stderr: `unexpected command ${command}` };
    };
    return {
      node,
      target: `${node.user}@${node.host}:${node.port}`,
      hostKey: { fingerprint: 'SHA256:x', keyType: 'ssh-ed25519', via: 'known_hosts' },
      exec: respond,
      run: async (command) => {
        const r = await respond(command);
        if (r.code !== 0) throw new Error(r.stderr);
        return r.stdout;
      },
      stat: async () => null,
      download: async () => ({ bytes: 0, resumedFrom: 0 }),
      upload: async () => ({ bytes: 0 }),
      close: async () => undefined,
    };
  }
}

async function nodeMap(host: string): Promise<string> {
  const dir = await tempDir('hardenlab-boot-');
  const file = path.join(dir, 'nodes.yaml');
  await fs.writeFile(file, `nodes:\n  - name: worker-1\n    host: ${host}\n    privateKeyPath: /nonexistent\n`);
  return file;
}

describe('measureBootTime', () => {
  const store = new ArtifactStore(tempDirSync('hardenlab-store-'));

  it('reboots, waits for SSH with a new boot id and for Ready, then reads systemd-analyze', async () => {
    const scripted = new ScriptedNode(
      'Startup finished in 6.121s (kernel) + 3.296s (userspace) = 9.418s\nmulti-user.target reached after 3.283s in userspace',
    );
    let connects = 0;
    const ssh: SshConnector = {
      connect: async (node) => {
        connects += 1;
        if (scripted.down > 0) {
          scripted.down -= 1;
          throw new Error('connecting to root@10.0.0.7:22 failed (will retry): ECONNREFUSED');
        }
        return scripted.session(node);
      },
    };
    let clock = 1_000_000;
    const ready: string[] = [];
    const activities = createSamplingActivities({
      loadNodeMap,
      ssh,
      store,
      now: () => (clock += 1_500),
      pollIntervalMs: 1,
      waitNodeReady: async (_cluster, node) => {
        ready.push(node);
      },
    });
    const result = await activities.measureBootTime({
      runId: 'r1',
      nodeMapPath: await nodeMap('10.0.0.7'),
      reboot: true,
      cluster: { provider: 'linode', kubeconfigPath: '/k' } as never,
    });
    expect(result.nodes).toHaveLength(1);
    const node = result.nodes[0]!;
    expect(node).toMatchObject({ node: 'worker-1', totalSeconds: 9.418, phases: { kernel: 6.121, userspace: 3.296 } });
    expect(node.timeToReadySeconds).toBeGreaterThan(0);
    expect(ready).toEqual(['worker-1']);
    expect(connects).toBe(4); // first session, two refused while down, the one after the reboot
    expect(scripted.commands.filter((c) => c.includes('reboot'))).toHaveLength(1);
  });

  it('reboots node by node, timing SSH return and Ready apart, and stops at a node that does not come back', async () => {
    const output = 'Startup finished in 2.000s (kernel) + 3.000s (userspace) = 5.000s';
    const scripted = new Map([
      ['worker-1', new ScriptedNode(output)],
      ['worker-2', new ScriptedNode(output)],
    ]);
    const events: string[] = [];
    const ssh: SshConnector = {
      connect: async (node) => {
        const host = scripted.get(node.name)!;
        if (host.down > 0) {
          host.down -= 1;
          throw new Error(`connecting to root@${node.host}:22 failed (will retry): ECONNREFUSED`);
        }
        const session = host.session(node);
        return {
          ...session,
          run: async (command, options) => (
            command.includes('reboot') && events.push(`reboot ${node.name}`),
            session.run(command, options)
          ),
        };
      },
    };
    let clock = 1_000_000;
    const activities = createSamplingActivities({
      loadNodeMap,
      ssh,
      store,
      now: () => (clock += 1_000),
      pollIntervalMs: 1,
      waitNodeReady: async (_cluster, node) => {
        clock += 30_000; // the kubelet reports Ready 30 s after SSH answers
        events.push(`ready ${node}`);
      },
    });
    const dir = await tempDir('hardenlab-boot-');
    const map = path.join(dir, 'nodes.yaml');
    await fs.writeFile(
      map,
      'nodes:\n  - name: worker-1\n    host: 10.0.0.7\n    privateKeyPath: /k\n  - name: worker-2\n    host: 10.0.0.8\n    ' +
        'privateKeyPath: /k\n',
    );
    const result = await activities.measureBootTime({
      runId: 'r1',
      nodeMapPath: map,
      reboot: true,
      cluster: { provider: 'linode', kubeconfigPath: '/k' } as never,
    });
    // One node at a time: the second reboots only once the first is Ready again.
    expect(events).toEqual(['reboot worker-1', 'ready worker-1', 'reboot worker-2', 'ready worker-2']);
    for (const node of result.nodes) {
      expect(node.sshReturnSeconds).toBeGreaterThan(0);
      expect(node.timeToReadySeconds! - node.sshReturnSeconds!).toBeGreaterThanOrEqual(30);
    }

    // A node that never answers again stops the reboots before the next node.
    events.length = 0;
    let first = true;
    const failing: SshConnector = {
      connect: async (node) => {
        if (node.name === 'worker-1' && !first) throw new Error('connecting to root@10.0.0.7:22 failed (will retry): EHOSTUNREACH');
        first = false;
        return ssh.connect(node);
      },
    };
    const error = await createSamplingActivities({
      loadNodeMap,
      ssh: failing,
      store,
      now: () => (clock += 60_000),
      pollIntervalMs: 1,
      rebootTimeoutMs: 120_000,
    })
      .measureBootTime({ runId: 'r2', nodeMapPath: map, reboot: true })
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/worker-1 did not come back over SSH/);
    expect(events).toEqual(['reboot worker-1']);
  });

  it('does not reboot by default and records why systemd cannot answer', async () => {
    const scripted = new ScriptedNode(
      "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down",
    );
    const activities = createSamplingActivities({ loadNodeMap, ssh: { connect: async (n) => scripted.session(n) }, store });
    const result = await activities.measureBootTime({ runId: 'r1', nodeMapPath: await nodeMap('10.0.0.7'), reboot: false });
    expect(result.nodes[0]).toEqual({
      node: 'worker-1',
      totalSeconds: null,
      unavailableReason: "System has not been booted with systemd as init system (PID 1). Can't operate.",
    });
    expect(scripted.commands.some((c) => c.includes('reboot'))).toBe(false);
  });

  it('refuses to reboot a loopback node (the worker machine itself)', async () => {
    const scripted = new ScriptedNode('');
    const activities = createSamplingActivities({ loadNodeMap, ssh: { connect: async (n) => scripted.session(n) }, store });
    const error = await activities
      .measureBootTime({ runId: 'r1', nodeMapPath: await nodeMap('127.0.0.11'), reboot: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).type).toBe('RebootRefused');
    expect(scripted.commands.some((c) => c.includes('reboot'))).toBe(false);
  });
});
