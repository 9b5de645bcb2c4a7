import { ApplicationFailure } from '@temporalio/common';
import { privilegedCommand, shellQuote } from '../../../src/ssh/shell';
import { authFailed, hostKeyChanged, hostKeyUnknown, isSudoDenied, permissionDenied, transient } from '../../../src/ssh/sshFailures';

describe('sudo handling', () => {
  it('runs commands directly as root and through sudo -n otherwise, quoted', () => {
    expect(privilegedCommand('root', 'apt-get install -y sysstat')).toBe('apt-get install -y sysstat');
    expect(privilegedCommand('ops', "echo 'a b'")).toBe(`sudo -n sh -c 'echo '\\''a b'\\'''`);
  });
  it('quotes so the shell gives back the exact string', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
  it.each([
    'sudo: a password is required',
    'sudo: a terminal is required to read the password; either use the -S option',
    'ops is not in the sudoers file.  This incident will be reported.\nsudo: ops is not in the sudoers file',
    'Sorry, user ops is not allowed to execute \'/bin/sh -c reboot\' as root on n1.\nsudo: ops is not allowed to execute',
    'sh: 1: sudo: not found',
  ])('recognises the refusal %#', (stderr) => {
    expect(isSudoDenied(stderr, 1)).toBe(true);
  });
  it('does not take other failures for a refusal', () => {
    expect(isSudoDenied('E: Unable to locate package sysstat', 100)).toBe(false);
    expect(isSudoDenied('sudo: a password is required', 0)).toBe(false);
  });
});

describe('error kinds', () => {
  it('makes host key, auth and rights problems non-retryable with the details in the message', () => {
    const unknown = hostKeyUnknown('root@h:22', 'ssh-ed25519', 'SHA256:abc', '/kh');
    const changed = hostKeyChanged('root@h:22', 'ssh-ed25519', 'SHA256:new', ['SHA256:old'], '/kh line 3');
    const auth = authFailed('ops@h:2222', 'All configured authentication methods failed');
    const denied = permissionDenied('ops@h:22', 'apt-get install -y sysstat', 'sudo: a password is required\n');
    for (const f of [unknown, changed, auth, denied]) {
      expect(f).toBeInstanceOf(ApplicationFailure);
      expect(f.nonRetryable).toBe(true);
    }
    expect([unknown.type, changed.type, auth.type, denied.type]).toEqual(['HostKeyUnknown', 'HostKeyChanged', 'SshAuthFailed', 'SshPermissionDenied']);
    expect(unknown.message).toContain('SHA256:abc');
    expect(changed.message).toMatch(/SHA256:new.*SHA256:old/);
    expect(auth.message).toContain('ops@h:2222');
    expect(denied.message).toContain('`apt-get install -y sysstat`');
  });
  it('keeps connection trouble retryable (plain Error)', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const t = transient('root@h:22', 'connecting to', err);
    expect(t).not.toBeInstanceOf(ApplicationFailure);
    expect(t.message).toContain('ECONNREFUSED');
  });
});
