/**
 * Private per-run directories on a node, for anything later run with sudo. The SSH user creates the
 * directory atomically (`mktemp -d`: a fresh random name, mode 0700, never an existing one) and every
 * privileged command re-checks it in the same shell before touching it: a directory, not a link, owned
 * by the SSH user, mode 0700. Nothing a different user can write is ever executed as root.
 */
import { ApplicationFailure } from '@temporalio/common';
import { shellCommand, shellQuote } from './shell';

export interface PrivateDir {
  path: string;
  /** The SSH user's uid, which must own it. */
  uid: number;
}

export const PrivateDirFailure = {
  /** The directory is not what we created (owner, mode or type changed): someone else can write it. */
  Unsafe: 'NodeDirUnsafe',
  /** An executable does not have the sha256 it had when uploaded. */
  ChecksumMismatch: 'NodeFileChanged',
} as const;

/** Exit codes of the guards, distinct from the tools' own. */
export const GUARD_EXIT = { unsafeDir: 97, checksum: 98, writableByOthers: 99 } as const;

/** Creates the directory and prints what the check needs (`key=value` lines). */
export function makePrivateDirCommand(parent: string, prefix: string): string {
  const template = `${parent.replace(/\/+$/, '')}/${prefix}.XXXXXXXXXX`;
  return (
    `umask 077; d=$(mktemp -d ${shellQuote(template)}) || exit 1; ` +
    `printf 'dir=%s\\nuid=%s\\nstat=%s\\n' "$d" "$(id -u)" "$(stat -c %F:%u:%a -- "$d")"`
  );
}

/** Reads makePrivateDirCommand's output; refuses (non-retryably) a directory that is not private. */
export function parsePrivateDir(stdout: string, target: string): PrivateDir {
  const kv = Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const uid = Number(kv.uid);
  if (!kv.dir?.startsWith('/') || !Number.isInteger(uid) || kv.stat !== `directory:${uid}:700`) {
    throw ApplicationFailure.nonRetryable(
      `mktemp -d on ${target} did not give a private directory ` +
        `(got ${JSON.stringify(kv)}; expected a directory owned by uid ${kv.uid} with mode 700)`,
      PrivateDirFailure.Unsafe,
    );
  }
  return { path: kv.dir, uid };
}

/** A shell condition that holds only while the directory is still ours and private (works under sudo too). */
export function privateDirGuard(dir: PrivateDir): string {
  const d = shellQuote(dir.path);
  const refusal = shellQuote(`hardenlab: ${dir.path} is no longer a private directory of uid ${dir.uid}`);
  return (
    `{ [ -d ${d} ] && [ ! -L ${d} ] && [ "$(stat -c %u:%a -- ${d})" = ${shellQuote(`${dir.uid}:700`)} ] || ` +
    `{ echo ${refusal} >&2; exit ${GUARD_EXIT.unsafeDir}; }; }`
  );
}

/** A shell condition that holds only while `file` has the given sha256. */
export function checksumGuard(file: string, sha256: string): string {
  const refusal = shellQuote(`hardenlab: ${file} does not have the sha256 it was uploaded with`);
  return (
    `{ printf '%s  %s\\n' ${shellQuote(sha256)} ${shellQuote(file)} | sha256sum -c --quiet - >/dev/null 2>&1 || ` +
    `{ echo ${refusal} >&2; exit ${GUARD_EXIT.checksum}; }; }`
  );
}

/** A shell condition that holds only when no user but root and `uid` can write `file` (a configured tool path). */
export function notWritableByOthersGuard(file: string, uid: number): string {
  const f = shellQuote(file);
  const refusal = shellQuote(`hardenlab: ${file} can be written by users other than root and uid ${uid}`);
  return (
    `{ o=$(stat -L -c %u:%a -- ${f}) && case "$o" in 0:*|${uid}:*) [ $((0\${o#*:} & 022)) -eq 0 ] ;; *) false ;; esac || ` +
    `{ echo ${refusal} >&2; exit ${GUARD_EXIT.writableByOthers}; }; }`
  );
}

/**
 * The one command that runs an executable as root: the guards, then the program, in the same shell (no
 * gap between check and use). `outputFile`, when given, is handed to the SSH user afterwards.
 */
export function guardedRunCommand(options: { guards: string[]; argv: readonly string[]; outputFile?: string; uid: number }): string {
  const run = shellCommand(options.argv);
  const handBack = options.outputFile ? `; rc=$?; chown ${options.uid} ${shellQuote(options.outputFile)} 2>/dev/null; exit $rc` : '';
  return `${options.guards.join(' && ')} && ${run}${handBack}`;
}

export function removePrivateDirCommand(dir: PrivateDir): string {
  return `rm -rf -- ${shellQuote(dir.path)}`;
}

/** Creates a private directory on the node as the SSH user. */
export async function createPrivateDir(
  session: { exec(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> },
  target: string,
  parent: string,
  prefix: string,
): Promise<PrivateDir> {
  const result = await session.exec(makePrivateDirCommand(parent, prefix));
  if (result.code !== 0)
    throw new Error(`cannot create a private directory under ${parent} on ${target}: ${result.stderr.trim().slice(-300)}`);
  return parsePrivateDir(result.stdout, target);
}
