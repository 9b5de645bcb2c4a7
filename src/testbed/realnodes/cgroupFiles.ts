import * as fs from 'node:fs';
import * as path from 'node:path';

/** Reading and clearing cgroup folders, on either hierarchy (the files are the same: cgroup.procs, subfolders). */

/** The whitespace-separated words of a cgroup file ('' when it is missing). */
export function readWords(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** The cgroup and every cgroup below it, parents first. */
function cgroupTree(dir: string): string[] {
  let children: string[];
  try {
    children = fs.readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
  return [dir, ...children.flatMap((child) => cgroupTree(path.join(dir, child)))];
}

/** Every process in the cgroup and below it. */
export function cgroupPids(dir: string): number[] {
  return cgroupTree(dir).flatMap((cgroup) => readWords(path.join(cgroup, 'cgroup.procs')).map(Number));
}

/** SIGKILL to every process in the cgroup and below it (whatever is left there belongs to the node). */
export function killCgroup(dir: string): void {
  for (const pid of cgroupPids(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Removes the cgroup and those below it, bottom-up; a cgroup that still holds a process stays. */
export function removeCgroupTree(dir: string): void {
  for (const cgroup of cgroupTree(dir).reverse()) {
    try {
      fs.rmdirSync(cgroup);
    } catch {
      // busy, or already gone
    }
  }
}

/** Writes one value to a cgroup file, as `echo value > file` does. */
export function writeCgroupFile(file: string, value: string | number): void {
  fs.writeFileSync(file, `${value}\n`);
}
