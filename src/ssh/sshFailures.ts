import { ApplicationFailure } from '@temporalio/common';

/** Error types of the SSH layer. Those listed in NON_RETRYABLE fail the activity at once; others are retried. */
export const SshErrorType = {
  HostKeyUnknown: 'HostKeyUnknown',
  HostKeyChanged: 'HostKeyChanged',
  AuthFailed: 'SshAuthFailed',
  KeyUnreadable: 'SshKeyUnreadable',
  PermissionDenied: 'SshPermissionDenied',
  CommandFailed: 'SshCommandFailed',
} as const;

export function targetOf(user: string, host: string, port: number): string {
  return `${user}@${host}:${port}`;
}

export function hostKeyUnknown(
  target: string,
  keyType: string,
  fingerprint: string,
  knownHostsPath: string | undefined,
): ApplicationFailure {
  const where = knownHostsPath ? `not in ${knownHostsPath}` : 'not pinned (no knownHostsPath or hostKeyFingerprint configured)';
  return ApplicationFailure.nonRetryable(
    `host key of ${target} is unknown: ${keyType} ${fingerprint} is ${where}. ` +
      `Verify it out of band, then add it to the known_hosts file, pin it as hostKeyFingerprint, or set trustOnFirstUse: true.`,
    SshErrorType.HostKeyUnknown,
    { target, fingerprint, keyType },
  );
}

export function hostKeyChanged(
  target: string,
  keyType: string,
  fingerprint: string,
  expected: string[],
  source: string,
): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `host key of ${target} CHANGED: the server presents ${keyType} ${fingerprint}, but ${source} expects ${expected.join(' or ')}. ` +
      `Someone may be intercepting the connection, or the node was reinstalled; refusing to connect.`,
    SshErrorType.HostKeyChanged,
    { target, fingerprint, expected },
  );
}

export function authFailed(target: string, detail: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `SSH authentication failed for ${target} (${detail}): check the user and the key (privateKeyPath/agentSocket) in the node map.`,
    SshErrorType.AuthFailed,
    { target },
  );
}

/** sudo -n's messages when the user may not run the command without a password (or at all). */
const SUDO_DENIED =
  new RegExp(
    [
      'sudo: (a password is required|a terminal is required|.*is not in the sudoers file|.*not allowed to execute|.*may not run sudo)',
      'sudo: (command )?not found',
      'sudo: .*: command not found',
    ].join('|'),
    'i',
  );

export function isSudoDenied(stderr: string, exitCode: number | null): boolean {
  return exitCode !== 0 && SUDO_DENIED.test(stderr);
}

export function permissionDenied(target: string, command: string, stderr: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `${target} lacks the rights to run \`${command}\` (sudo -n refused: ${stderr.trim().split('\n')[0]}). ` +
      `Grant passwordless sudo for it or use root in the node map.`,
    SshErrorType.PermissionDenied,
    { target, command },
  );
}

/** Connection-level errors worth retrying: the node may be rebooting, sshd restarting, the network flapping. */
export function transient(target: string, what: string, cause: unknown): Error {
  const detail = cause instanceof Error ? `${(cause as NodeJS.ErrnoException).code ?? cause.name}: ${cause.message}` : String(cause);
  return new Error(`${what} ${target} failed (will retry): ${detail}`);
}
