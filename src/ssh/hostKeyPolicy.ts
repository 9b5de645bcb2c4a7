import type { ApplicationFailure } from '@temporalio/common';
import { hostKeyChanged, hostKeyUnknown } from './sshFailures';
import {
  appendKnownHost,
  checkHostKey,
  fingerprintOf,
  hostKeyAlgorithmsFor,
  keyTypeOf,
  knownKeyTypes,
  readKnownHosts,
  sameFingerprint,
  type KnownHostEntry,
} from './knownHosts';

export interface HostKeyPolicy {
  knownHostsPath?: string;
  /** Pinned `SHA256:...`; when set it alone decides. */
  hostKeyFingerprint?: string;
  trustOnFirstUse: boolean;
}

export interface HostKeyOutcome {
  fingerprint: string;
  keyType: string;
  /** How the key was accepted; `kubernetes-api`: no SSH, the node was reached through its access pod (src/nodeaccess/). */
  via: 'pinned' | 'known_hosts' | 'trust-on-first-use' | 'kubernetes-api';
  /** Where a first-use key was recorded. */
  recordedIn?: string;
}

export interface HostKeyCheck {
  verify(key: Buffer): Promise<boolean>;
  /** The accepted key, after a successful handshake. */
  outcome(): HostKeyOutcome | undefined;
  /** Why the key was refused, if it was. */
  refusal(): ApplicationFailure | undefined;
  /** Host key algorithms to offer first: the types already known, so the server presents a checkable key. */
  preferredAlgorithms: string[];
}

/** Decides on a presented host key: pinned fingerprint, else known_hosts, else trust on first use if enabled. */
export async function createHostKeyCheck(host: string, port: number, target: string, policy: HostKeyPolicy): Promise<HostKeyCheck> {
  const entries: KnownHostEntry[] = policy.knownHostsPath && !policy.hostKeyFingerprint ? await readKnownHosts(policy.knownHostsPath) : [];
  let accepted: HostKeyOutcome | undefined;
  let refused: ApplicationFailure | undefined;
  const preferredAlgorithms = knownKeyTypes(entries, host, port).flatMap(hostKeyAlgorithmsFor);

  async function verify(key: Buffer): Promise<boolean> {
    const fingerprint = fingerprintOf(key);
    const keyType = keyTypeOf(key);
    if (policy.hostKeyFingerprint) {
      if (sameFingerprint(fingerprint, policy.hostKeyFingerprint)) {
        accepted = { fingerprint, keyType, via: 'pinned' };
        return true;
      }
      refused = hostKeyChanged(target, keyType, fingerprint, [policy.hostKeyFingerprint], 'the node map (hostKeyFingerprint)');
      return false;
    }
    const verdict = checkHostKey(entries, host, port, key);
    switch (verdict.status) {
      case 'match':
        accepted = { fingerprint, keyType, via: 'known_hosts' };
        return true;
      case 'changed':
        refused = hostKeyChanged(
          target,
          keyType,
          fingerprint,
          verdict.knownFingerprints,
          `${policy.knownHostsPath} line ${verdict.lines.join(',')}`,
        );
        return false;
      case 'revoked':
        refused = hostKeyChanged(target, keyType, fingerprint, ['(this key is marked @revoked)'], `${policy.knownHostsPath}`);
        return false;
      case 'unknown':
        if (!policy.trustOnFirstUse) {
          refused = hostKeyUnknown(target, keyType, fingerprint, policy.knownHostsPath);
          return false;
        }
        if (policy.knownHostsPath) await appendKnownHost(policy.knownHostsPath, host, port, key);
        accepted = { fingerprint, keyType, via: 'trust-on-first-use', recordedIn: policy.knownHostsPath };
        return true;
    }
  }

  return { verify, outcome: () => accepted, refusal: () => refused, preferredAlgorithms };
}
