/**
 * The portable sysstat in the access pod's image (scripts/testbed/build-node-images.sh): sadc and sadf with their
 * own loader and libraries, for nodes whose package manager cannot install sysstat (read-only OSes). Copied file by
 * file from the pod's own filesystem into a private folder on the node, checked against the image's sums there,
 * then moved into place; the sampler checks the sums again right before each use (src/sampling/sysstatKit.ts).
 */
import * as path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { shellQuote } from '../ssh/shell';
import { SYSSTAT_KIT_DIR } from '../sampling/sysstatKit';
import type { SysstatKit } from '../ssh/sessionContract';
import type { PodExec } from './exec';

/** Where the image carries the kit. */
export const KIT_IMAGE_DIR = '/opt/hardenlab/sysstat';

const SUM_LINE = /^([0-9a-f]{64}) {2}\.\/((?:lib\/)?[A-Za-z0-9][A-Za-z0-9._-]*)$/;

/** The kit from the image's SHA256SUMS and VERSION; a malformed list is refused line by line (it names root's files). */
export function parseKit(sums: string, version: string): SysstatKit | { unavailable: string } {
  const lines = sums.trim().split('\n');
  const files: string[] = [];
  for (const [k, line] of lines.entries()) {
    const match = SUM_LINE.exec(line);
    if (!match) return { unavailable: `${KIT_IMAGE_DIR}/SHA256SUMS line ${k + 1} is not "<sha256>  ./<file>": ${JSON.stringify(line)}` };
    files.push(match[2]!);
  }
  for (const needed of ['sadc', 'sadf', 'VERSION']) {
    if (!files.includes(needed)) return { unavailable: `${KIT_IMAGE_DIR}/SHA256SUMS lists no ${needed}` };
  }
  return { sums: lines.join('\n'), version: version.trim(), files };
}

/** Runs in the node's namespaces (the session's `run`). */
type OnNode = (command: string) => Promise<string>;

interface InPod {
  podExec: PodExec;
  namespace: string;
  pod: string;
  container: string;
}

/** `cat` of one file of the pod's own filesystem (no nsenter: the image's files, not the node's). */
async function catInPod(where: InPod, file: string, stdout: Writable): Promise<number | null> {
  const stderr = new PassThrough();
  stderr.resume();
  const { podExec, ...pod } = where;
  const outcome = await podExec.exec({ ...pod, argv: ['cat', file], stdout, stderr, timeoutMs: 120_000 });
  return outcome.code;
}

/** The image's kit, or why there is none (an image without it, such as the default busybox). */
export async function readKit(where: InPod): Promise<SysstatKit | { unavailable: string }> {
  const read = async (file: string) => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const code = await catInPod(where, `${KIT_IMAGE_DIR}/${file}`, out);
    return code === 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
  };
  const sums = await read('SHA256SUMS');
  const version = sums === undefined ? undefined : await read('VERSION');
  if (sums === undefined || version === undefined) return { unavailable: `the access pod's image has no sysstat kit in ${KIT_IMAGE_DIR}` };
  return parseKit(sums, version);
}

/** Copies the kit to SYSSTAT_KIT_DIR on the node: a private folder of root's, the sums checked before it takes the place. */
export async function installKit(
  where: InPod,
  kit: SysstatKit,
  onNode: OnNode,
  streamToNode: (command: string, source: PassThrough) => Promise<void>,
): Promise<void> {
  const parent = path.posix.dirname(SYSSTAT_KIT_DIR);
  const staging = `${SYSSTAT_KIT_DIR}.new`;
  await onNode(`set -eu; umask 077; p=${shellQuote(parent)}
mkdir -p "$p"
if [ -L "$p" ] || [ "$(stat -c %u "$p")" != 0 ]; then echo "$p is a link or not root's" >&2; exit 3; fi
chmod 0700 "$p"; rm -rf ${shellQuote(staging)}; mkdir -p ${shellQuote(`${staging}/lib`)}`);
  for (const file of kit.files) {
    const pipe = new PassThrough();
    const target = `${staging}/${file}`;
    // The exec does not end its stdout: the node's `cat` gets its end of input when the pod's has exited.
    const read = catInPod(where, `${KIT_IMAGE_DIR}/${file}`, pipe).finally(() => pipe.end());
    const [code] = await Promise.all([read, streamToNode(`cat > ${shellQuote(target)}`, pipe)]);
    if (code !== 0) throw new Error(`cannot read ${KIT_IMAGE_DIR}/${file} in the access pod (cat exited with ${code})`);
  }
  const executables = kit.files.filter((f) => f === 'sadc' || f === 'sadf' || f.startsWith('lib/ld-linux')).map(shellQuote);
  await onNode(`set -eu; cd ${shellQuote(staging)}
printf '%s\\n' ${shellQuote(kit.sums)} | sha256sum -c --quiet -
chmod 0600 ${kit.files.map(shellQuote).join(' ')}; chmod 0700 ${executables.join(' ')}
kit=${shellQuote(SYSSTAT_KIT_DIR)}; cd /; rm -rf "$kit"; mv ${shellQuote(staging)} "$kit"; chmod 0700 "$kit"`);
}
