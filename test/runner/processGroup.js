// Child commands in process groups of their own, with a deadline: a hung command (and everything it started:
// jest workers, test beds, servers) is described, then killed as a group, instead of holding a CI run until
// its time limit with nothing printed.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');

/** Process groups under way, so an interrupted caller can kill them all. */
const groups = new Set();

function killGroup(group) {
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    // already gone
  }
}

function killAllGroups() {
  for (const group of groups) killGroup(group);
}

/** The process tree of a group and the machine's load: what a hung command was still doing. */
function describeGroup(group) {
  const ps = spawnSync('ps', ['-o', 'pid,etimes,pcpu,stat,args', '--forest', '-g', String(group)], { encoding: 'utf8' });
  return `load ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}; its processes:\n${ps.stdout.trim()}`;
}

/**
 * Runs a command with the terminal in a process group of its own; resolves to its exit status.
 * Past `deadlineMs`, `onHung` receives the group's description, then the group is killed (status 124).
 */
function runInGroup(cmd, args, { cwd, env = process.env, deadlineMs, onHung = () => undefined } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: 'inherit', detached: true });
    let timedOut = false;
    const timer =
      deadlineMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            onHung(describeGroup(child.pid));
            killGroup(child.pid);
          }, deadlineMs);
    const done = (status) => {
      clearTimeout(timer);
      // Whatever the command left running in its group goes with it.
      killGroup(child.pid);
      groups.delete(child.pid);
      resolve(timedOut ? 124 : status);
    };
    if (child.pid !== undefined) groups.add(child.pid);
    child.on('error', () => done(1));
    child.on('exit', (code) => done(code ?? 1));
  });
}

module.exports = { runInGroup, killAllGroups };
