import { parseKit } from '../../../src/nodeaccess/sysstatKitCopy';

const sum = (c: string) => c.repeat(64);

describe("the access image's sysstat kit list (it names the files copied to a node as root's)", () => {
  test('reads the files and the version', () => {
    const sums = `${sum('a')}  ./VERSION\n${sum('b')}  ./lib/libc.so.6\n${sum('c')}  ./sadc\n${sum('d')}  ./sadf\n`;
    expect(parseKit(sums, '12.6.1-1\n')).toEqual({
      sums: sums.trim(),
      version: '12.6.1-1',
      files: ['VERSION', 'lib/libc.so.6', 'sadc', 'sadf'],
    });
  });

  test('refuses a line that could name a file outside the kit, naming the line, and a kit without sadc', () => {
    for (const bad of [`${sum('a')}  ./../etc/passwd`, `${sum('a')}  /etc/passwd`, `${sum('a')}  ./lib/x/y`, `${sum('g')}  ./sadc`]) {
      expect(parseKit(`${sum('b')}  ./sadf\n${bad}\n`, '1')).toEqual({
        unavailable: `/opt/hardenlab/sysstat/SHA256SUMS line 2 is not "<sha256>  ./<file>": ${JSON.stringify(bad)}`,
      });
    }
    expect(parseKit(`${sum('b')}  ./sadf\n${sum('a')}  ./VERSION\n`, '1')).toEqual({
      unavailable: '/opt/hardenlab/sysstat/SHA256SUMS lists no sadc',
    });
  });
});
