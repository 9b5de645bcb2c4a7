/**
 * kube-bench on a node, command by command, against a scripted SSH session: the run creates its own
 * private directory, uploads kube-bench there, runs it with sudo only behind the owner/mode and sha256
 * guards in the same command, and removes the directory. Nothing under the old shared /var/tmp/hardenlab.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createToolActivities, type ToolActivityDeps } from '../../../activities/tools';
import { experimentSchema } from '../../../src/config/experiment';
import type { ToolRunRequest } from '../../../src/domain/contracts';
import { checksumGuard, guardedRunCommand, makePrivateDirCommand, privateDirGuard } from '../../../src/ssh/privateDir';
import { ArtifactStore } from '../../../src/store/artifactStore';
import type { ToolExecResult, ToolSshSession } from '../../../src/tools/access';
import { FIXTURES } from './fixtures';

const DIR = '/var/tmp/hardenlab-r1.Ab3dEf9hIj';
const UID = 1000;
const VERSION = 'v0.14.0';
const ok = (stdout = ''): ToolExecResult => ({ code: 0, stdout, stderr: '' });

interface Step {
  command: string;
  privileged: boolean;
}

/** A node that answers the commands of a normal run; `answers` overrides an answer by command. */
function scriptedSession(steps: Step[], answers: Record<string, ToolExecResult> = {}): ToolSshSession {
  const uploaded = new Map<string, string>();
  return {
    exec: async (command, options) => {
      steps.push({ command, privileged: Boolean(options?.privileged) });
      if (answers[command]) return answers[command]!;
      if (command.startsWith('umask 077; d=$(mktemp -d')) return ok(`dir=${DIR}\nuid=${UID}\nstat=directory:${UID}:700\n`);
      if (command.startsWith('sha256sum ')) return ok(`${uploaded.get(command.slice('sha256sum '.length))}  x\n`);
      if (command.endsWith(' version')) return ok(`${VERSION}\n`);
      return ok();
    },
    upload: async (local, remote) => {
      steps.push({ command: `upload ${path.basename(local)} -> ${remote}`, privileged: false });
      uploaded.set(
        remote,
        createHash('sha256')
          .update(await fs.readFile(local))
          .digest('hex'),
      );
      return { bytes: 0 };
    },
    download: async (remote, local) => {
      steps.push({ command: `download ${remote}`, privileged: false });
      await fs.copyFile(path.join(FIXTURES, 'kube-bench-node.json'), local);
    },
    close: async () => undefined,
  };
}

let work: string;
let binarySha: string;
let deps: ToolActivityDeps;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'hl-kb-node-'));
  const build = path.join(work, 'kube-bench-build');
  await fs.mkdir(path.join(build, 'cfg'), { recursive: true });
  await fs.writeFile(path.join(build, 'kube-bench'), '#!/bin/sh\necho stand-in\n');
  await fs.writeFile(path.join(build, 'cfg', 'config.yaml'), 'master: {}\n');
  binarySha = createHash('sha256')
    .update(await fs.readFile(path.join(build, 'kube-bench')))
    .digest('hex');
  deps = {
    ssh: {
      connect: async () => {
        throw new Error('set per test');
      },
    },
    kube: async () => ({ version: async () => ({ major: '1', minor: '36' }) }) as never,
    store: new ArtifactStore(path.join(work, 'store')),
    binaries: { kubeBenchDir: build, kubeBenchVersion: VERSION, kubeHunter: 'kube-hunter', kubeHunterVersion: '0.6.8' },
    loadNodeMap: async () => ({ nodes: [{ name: 'worker-1', host: '10.0.0.7', port: 22, user: 'ops', trustOnFirstUse: false }] }),
    workerTempDir: work,
    env: {},
    namespaceClosureViolations: async () => {
      throw new Error('kube-bench checks no network namespace');
    },
  };
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));

function request(kubeBench: Record<string, unknown> = {}): ToolRunRequest {
  const config = experimentSchema.parse({ tools: { kubeBench } });
  return {
    runId: 'r1',
    cluster: { provider: 'kubeconfig', kubeconfigPath: '/k', nodeMapPath: '/nodes.yaml' },
    namespace: 'ns',
    tools: config.tools,
    artifactKey: 'runs/r1',
  };
}

test('the exact commands: private dir, upload, checked privileged run, removal', async () => {
  const steps: Step[] = [];
  const tools = createToolActivities({ ...deps, ssh: { connect: async () => scriptedSession(steps) } });
  const summary = await tools.runKubeBench(request());
  expect(summary).toMatchObject({ tool: 'kube-bench', mode: 'node', target: 'worker-1', outcome: 'ok', version: VERSION });

  const dir = { path: DIR, uid: UID };
  const binary = `${DIR}/kube-bench`;
  const argv = [binary, 'run', '--version', '1.36', '--config-dir', `${DIR}/cfg`, '--json', '--outputfile', `${DIR}/kube-bench-node.json`];
  expect(steps).toEqual([
    { command: makePrivateDirCommand('/var/tmp', 'hardenlab-r1'), privileged: false },
    { command: `upload kube-bench -> ${binary}`, privileged: false },
    { command: `sha256sum ${binary}`, privileged: false },
    { command: `upload cfg.tar.gz -> ${DIR}/cfg.tar.gz`, privileged: false },
    { command: `sha256sum ${DIR}/cfg.tar.gz`, privileged: false },
    { command: `cd ${DIR} && tar -xzf cfg.tar.gz && rm -f cfg.tar.gz && chmod 0700 kube-bench`, privileged: false },
    { command: `${binary} version`, privileged: false },
    {
      command: guardedRunCommand({
        guards: [privateDirGuard(dir), checksumGuard(binary, binarySha)],
        argv,
        outputFile: `${DIR}/kube-bench-node.json`,
        uid: UID,
      }),
      privileged: true,
    },
    { command: `download ${DIR}/kube-bench-node.json`, privileged: false },
    { command: `rm -rf -- ${DIR}`, privileged: false },
  ]);
  // The one privileged command: checks owner and mode, then the sha256, then runs; nothing else with sudo.
  const privileged = steps.filter((s) => s.privileged).map((s) => s.command);
  expect(privileged).toHaveLength(1);
  expect(privileged[0]).toMatch(
    new RegExp(`^\\{ \\[ -d ${DIR} \\] && \\[ ! -L ${DIR} \\] && \\[ "\\$\\(stat -c %u:%a -- ${DIR}\\)" = 1000:700 \\]`),
  );
  expect(privileged[0]).toContain(`printf '%s  %s\\n' ${binarySha} ${binary} | sha256sum -c --quiet -`);
  expect(steps.some((s) => s.command.includes('/var/tmp/hardenlab/'))).toBe(false);
});

test('a directory that mktemp did not make private stops the run before anything is uploaded', async () => {
  const steps: Step[] = [];
  const answers = { [makePrivateDirCommand('/var/tmp', 'hardenlab-r1')]: ok(`dir=${DIR}\nuid=${UID}\nstat=directory:0:777\n`) };
  const tools = createToolActivities({ ...deps, ssh: { connect: async () => scriptedSession(steps, answers) } });
  const error = await tools.runKubeBench(request()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect((error as ApplicationFailure).type).toBe('NodeDirUnsafe');
  expect((error as ApplicationFailure).nonRetryable).toBe(true);
  expect(steps.map((s) => s.command)).toEqual([makePrivateDirCommand('/var/tmp', 'hardenlab-r1')]);
});

test('a binary changed between upload and run is refused non-retryably, and the directory still removed', async () => {
  const steps: Step[] = [];
  const session = scriptedSession(steps);
  const exec = session.exec.bind(session);
  session.exec = async (command, options) =>
    options?.privileged
      ? (steps.push({ command, privileged: true }),
        { code: 98, stdout: '', stderr: `hardenlab: ${DIR}/kube-bench does not have the sha256 it was uploaded with\n` })
      : exec(command, options);
  const tools = createToolActivities({ ...deps, ssh: { connect: async () => session } });
  const error = await tools.runKubeBench(request()).catch((e: unknown) => e);
  expect((error as ApplicationFailure).type).toBe('NodeFileChanged');
  expect((error as ApplicationFailure).nonRetryable).toBe(true);
  expect((error as Error).message).toContain('kube-bench was not run on worker-1');
  expect(steps.at(-1)).toEqual({ command: `rm -rf -- ${DIR}`, privileged: false });
});
