import * as net from 'node:net';
import { tcpGreeting } from '../../../src/process/subprocess';

/** A server on 127.0.0.1 that does `onConnection` with each client; resolves to its port. */
function serve(onConnection: (socket: net.Socket) => void): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer(onConnection);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, server })),
  );
}

describe('tcpGreeting (how the real nodes tell an sshd from a bare forward)', () => {
  it('reads the first bytes a server sends, and nothing from one that accepts and closes or does not listen', async () => {
    const sshd = await serve((socket) => socket.write('SSH-2.0-OpenSSH_9.2\r\n'));
    const bare = await serve((socket) => socket.end());
    const silent = await serve(() => undefined);
    try {
      expect(await tcpGreeting('127.0.0.1', sshd.port, 4, 2_000)).toBe('SSH-');
      expect(await tcpGreeting('127.0.0.1', bare.port, 4, 2_000)).toBe('');
      const began = Date.now();
      expect(await tcpGreeting('127.0.0.1', silent.port, 4, 300)).toBe('');
      expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    } finally {
      for (const { server } of [sshd, bare, silent]) server.close();
    }
    const closed = await serve(() => undefined);
    closed.server.close();
    expect(await tcpGreeting('127.0.0.1', closed.port, 4, 2_000)).toBe('');
  });
});
