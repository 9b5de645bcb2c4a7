import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cgroupMounts, decideCgroupHost, TOOLS, V1_CONTROLLERS, type CgroupHostFacts, type CgroupVerdict } from './cgroupHost';

/**
 * The facts cgroupHost.ts decides on, read from the live host, and their text recording (the fixtures under
 * test/fixtures/cgroup-hosts/ and `hardenlab testbed host --record`): sections `[name]` or `[file PATH]`, each up to
 * the next section; lines before the first section starting with `#` say where the recording comes from.
 */

const CGROUP_ROOT = '/sys/fs/cgroup';
const SYSTEMD_RUN = '/usr/bin/systemd-run';

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function writable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** `lxcfs --version` prints its version (quoted) on stderr. */
function lxcfsVersion(): string | undefined {
  const result = spawnSync('/usr/bin/lxcfs', ['--version'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return /(\d+\.\d+(\.\d+)?)/.exec(`${result.stdout ?? ''}${result.stderr ?? ''}`)?.[1];
}

/** The paths under /sys/fs/cgroup the decision looks at (only those that exist are recorded). */
function probedFiles(mountinfo: string): string[] {
  const files = V1_CONTROLLERS.map((controller) => `${CGROUP_ROOT}/${controller}/tasks`);
  files.push(`${CGROUP_ROOT}/cpu/cpu.cfs_quota_us`);
  for (const mount of cgroupMounts(mountinfo).filter((m) => m.fsType === 'cgroup2')) {
    for (const name of ['cgroup.controllers', 'cgroup.subtree_control', 'cgroup.type', 'cgroup.procs'])
      files.push(`${mount.mountPoint}/${name}`);
  }
  return files;
}

/** Reads the facts from this host. `tasks` files are recorded as present only (their content is long and unused). */
export function readCgroupHostFacts(): CgroupHostFacts {
  const mountinfo = readOrUndefined('/proc/self/mountinfo') ?? '';
  const files: Record<string, string> = {};
  for (const file of probedFiles(mountinfo)) {
    const content = readOrUndefined(file);
    if (content !== undefined) files[file] = file.endsWith('/tasks') ? '' : content.trim();
  }
  const dirs = [
    CGROUP_ROOT,
    ...V1_CONTROLLERS.map((controller) => `${CGROUP_ROOT}/${controller}`),
    ...cgroupMounts(mountinfo).map((m) => m.mountPoint),
  ];
  const tools = [...TOOLS.map((tool) => tool.path), SYSTEMD_RUN].filter((tool) => fs.existsSync(tool));
  return {
    uid: process.getuid?.() ?? -1,
    pid1Comm: (readOrUndefined('/proc/1/comm') ?? '').trim(),
    mountinfo: mountinfo.trim(),
    procCgroups: (readOrUndefined('/proc/cgroups') ?? '').trim(),
    tools,
    lxcfsVersion: tools.includes('/usr/bin/lxcfs') ? lxcfsVersion() : undefined,
    files,
    writable: [...new Set(dirs)].filter((dir) => fs.existsSync(dir) && writable(dir)),
    systemdBus: fs.existsSync('/run/systemd/private'),
  };
}

/** This host's verdict. */
export function detectCgroupHost(): CgroupVerdict {
  return decideCgroupHost(readCgroupHostFacts());
}

const lines = (text: string) => (text ? text.split('\n') : []);

/** The facts as a recording (the inverse of parseCgroupHostRecord). */
export function formatCgroupHostRecord(facts: CgroupHostFacts, provenance: string[]): string {
  const out = provenance.map((line) => `# ${line}`);
  const section = (name: string, body: string[]) => out.push(`[${name}]`, ...body);
  section('uid', [String(facts.uid)]);
  section('pid1-comm', [facts.pid1Comm]);
  section('tools', facts.tools);
  if (facts.lxcfsVersion !== undefined) section('lxcfs-version', [facts.lxcfsVersion]);
  section('systemd-bus', [facts.systemdBus ? 'yes' : 'no']);
  section('writable', facts.writable);
  section('proc-cgroups', lines(facts.procCgroups));
  section('mountinfo', lines(facts.mountinfo));
  for (const [file, content] of Object.entries(facts.files)) section(`file ${file}`, lines(content));
  return `${out.join('\n')}\n`;
}

/** Parses a recording; a missing section or a bad value names the section and line. */
export function parseCgroupHostRecord(text: string, source = 'recording'): CgroupHostFacts {
  const sections = new Map<string, { line: number; body: string[] }>();
  let current: string[] | undefined;
  text.split('\n').forEach((line, i) => {
    const heading = /^\[(.+)\]$/.exec(line);
    if (heading) {
      const name = heading[1]!;
      if (sections.has(name)) throw new Error(`${source}:${i + 1}: section [${name}] appears twice`);
      current = [];
      sections.set(name, { line: i + 1, body: current });
    } else if (current) {
      current.push(line);
    } else if (line.trim() && !line.startsWith('#')) {
      throw new Error(`${source}:${i + 1}: text before the first section (only # comments may stand there)`);
    }
  });
  const body = (name: string): string[] => {
    const found = sections.get(name);
    if (!found) throw new Error(`${source}: section [${name}] is missing`);
    while (found.body.length > 0 && found.body[found.body.length - 1] === '') found.body.pop();
    return found.body;
  };
  const uid = Number(body('uid')[0]);
  if (!Number.isInteger(uid)) throw new Error(`${source}:${sections.get('uid')!.line + 1}: [uid] must be a number`);
  const bus = body('systemd-bus')[0];
  if (bus !== 'yes' && bus !== 'no') throw new Error(`${source}:${sections.get('systemd-bus')!.line + 1}: [systemd-bus] must be yes or no`);
  const files: Record<string, string> = {};
  for (const name of sections.keys()) if (name.startsWith('file ')) files[name.slice(5)] = body(name).join('\n');
  return {
    uid,
    pid1Comm: body('pid1-comm')[0] ?? '',
    tools: body('tools').filter(Boolean),
    lxcfsVersion: sections.has('lxcfs-version') ? body('lxcfs-version')[0] : undefined,
    systemdBus: bus === 'yes',
    writable: body('writable').filter(Boolean),
    procCgroups: body('proc-cgroups').join('\n'),
    mountinfo: body('mountinfo').join('\n'),
    files,
  };
}
