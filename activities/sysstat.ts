/**
 * sysstat on a node before its sampler starts: the node's own, else installed with its package manager, else
 * (Kubernetes node access) the access image's portable sysstat copied to the node, as on read-only OSes where no
 * package manager can install anything. Which one a node sampled with goes into the run's records and the report.
 */
import { ApplicationFailure } from '@temporalio/common';
import { installCommand, probeSysstatScript, type SysstatKitSums } from '../src/sampling/samplingScripts';
import { parseProbe, type SysstatProbe } from '../src/sampling/parse';
import type { SshSession } from '../src/ssh/sessionContract';
import { heartbeatWhile } from '../src/temporal/heartbeat';

/** An apt/dnf install of sysstat on a fresh node (package lists included); startSampling's budget covers it. */
export const SYSSTAT_INSTALL_TIMEOUT_MS = 15 * 60_000;

export interface SysstatOnNode {
  version: string;
  /** `node`: the node's own sysstat (installed before or now); `uploaded`: the access image's, copied there. */
  from: 'node' | 'uploaded';
}

const complete = (p: SysstatProbe): p is SysstatProbe & { version: string } => Boolean(p.sadc && p.sadf && p.version);

/** The kit's sums when the session's transport carries one: the scripts check them before each use. */
export async function kitSums(session: SshSession): Promise<SysstatKitSums | undefined> {
  const kit = session.sysstatKit ? await session.sysstatKit() : undefined;
  return kit && 'sums' in kit ? { sums: kit.sums } : undefined;
}

export async function ensureSysstat(session: SshSession): Promise<SysstatOnNode> {
  const kit = session.sysstatKit ? await session.sysstatKit() : undefined;
  const sums = kit && 'sums' in kit ? kit : undefined;
  const probe = async () => parseProbe(await session.run(probeSysstatScript(sums)));
  let found = await probe();
  if (complete(found)) return { version: found.version, from: found.kit ? 'uploaded' : 'node' };
  let why = 'sysstat is not installed and no apt-get, dnf or yum was found to install it';
  if (found.packageManager) {
    const install = installCommand(found.packageManager);
    try {
      await heartbeatWhile(session.run(install, { privileged: true, timeoutMs: SYSSTAT_INSTALL_TIMEOUT_MS }), {
        node: session.node.name,
        installing: 'sysstat',
      });
      found = await probe();
      if (complete(found)) return { version: found.version, from: found.kit ? 'uploaded' : 'node' };
      why = `\`${install}\` ran but sadc/sadf are still missing`;
    } catch (error) {
      // Without a kit to fall back on, a failed install is worth retrying as before (a mirror down, a lock held).
      if (!sums) throw error;
      why = `\`${install}\` failed: ${(error as Error).message.slice(0, 300)}`;
    }
  }
  if (!sums || !session.installSysstatKit) {
    const none = kit && 'unavailable' in kit ? `; ${kit.unavailable}` : '';
    throw ApplicationFailure.nonRetryable(`${session.target}: ${why}${none}`, 'SysstatUnavailable');
  }
  await heartbeatWhile(session.installSysstatKit(sums), { node: session.node.name, installing: "the access image's sysstat" });
  found = await probe();
  if (!complete(found) || !found.kit) {
    throw ApplicationFailure.nonRetryable(
      `${session.target}: ${why}, and the access image's sysstat did not run there`,
      'SysstatUnavailable',
    );
  }
  return { version: found.version, from: 'uploaded' };
}
