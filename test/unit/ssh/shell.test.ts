import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { privilegedCommand, shellCommand, shellQuote } from '../../../src/ssh/shell';

/** What /bin/sh makes of a command line: runs it for real, returns stdout as bytes. */
const sh = (line: string): Buffer => execFileSync('/bin/sh', ['-c', line], { env: { PATH: '/usr/bin:/bin' } });

/** Names as a hostile node map, run id or path could carry them. */
const HOSTILE = [
  'worker 1', "it's", '"double"', '$(touch /tmp/hardenlab-pwned)', '`id`', 'a\nb', 'x;rm -rf /', '*', '?', '[a-z]*', '~root',
  '$HOME', '${IFS}', 'a\\b', '-n', '', ' ', '\t', '!', '#comment', 'a&&b', 'a|b', '>out', '<in', "'", "''", '\'"\'"', 'é ∑ 🚀', '=x', 'FOO=bar',
];
/** Strings built from the characters shells treat specially, and any other (NUL aside: no shell word holds it). */
const hostileString = fc.string({
  unit: fc.oneof(fc.constantFrom(...` '"\`$()\\\n\t;&|<>*?[]{}~!#=%-`.split('')), fc.string({ minLength: 1, maxLength: 1 }).filter((c) => c !== '\0')),
  maxLength: 40,
});

describe('shellQuote: the remote shell sees every value as data', () => {
  it.each(HOSTILE.map((v) => [JSON.stringify(v), v] as const))('%s comes back byte for byte', (_name, value) => {
    expect(sh(`printf %s ${shellQuote(value)}`)).toEqual(Buffer.from(value, 'utf8'));
  });

  it('any string comes back byte for byte, as one word (property)', () => {
    fc.assert(
      fc.property(fc.array(hostileString, { minLength: 1, maxLength: 4 }), (values) => {
        // One argument per value, each terminated by NUL: a value split or merged would show.
        const out = sh(shellCommand(['printf', '%s\\0', ...values]));
        expect(out).toEqual(Buffer.concat(values.map((v) => Buffer.from(`${v}\0`, 'utf8'))));
      }),
      { numRuns: 150 },
    );
  });

  it('stays data inside the sudo wrapper, which quotes the whole command again', () => {
    fc.assert(
      fc.property(hostileString, (value) => {
        const wrapped = privilegedCommand('ops', `printf %s ${shellQuote(value)}`);
        // `sudo -n sh -c <quoted>`: run the same line with the sudo word taken off.
        expect(wrapped.startsWith('sudo -n sh -c ')).toBe(true);
        expect(sh(wrapped.slice('sudo -n '.length))).toEqual(Buffer.from(value, 'utf8'));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps plain words readable and quotes the rest', () => {
    expect(shellQuote('/var/tmp/hardenlab/kube-bench')).toBe('/var/tmp/hardenlab/kube-bench');
    expect(shellQuote('a b')).toBe(`'a b'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe(`''`);
    expect(shellQuote('FOO=bar')).toBe(`'FOO=bar'`);
    expect(shellCommand(['kube-bench', 'run', '--targets', 'master,node'])).toBe('kube-bench run --targets master,node');
  });
});
