/**
 * The one quoting helper for remote shell commands: every value put into a command line sent over SSH
 * (paths, node, user and run names, tool arguments) goes through `shellQuote`, so the remote shell sees
 * it as one word of data, whatever it contains (test/unit/ssh/shell.test.ts runs it through /bin/sh).
 */

/** POSIX single-quoting; words made only of characters no shell treats specially stay bare for readability. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A command line from an argv array, every word quoted. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** Wraps a command for sudo when the user is not root; `-n` so a password prompt fails instead of hanging. */
export function privilegedCommand(user: string, command: string): string {
  return user === 'root' ? command : `sudo -n sh -c ${shellQuote(command)}`;
}
