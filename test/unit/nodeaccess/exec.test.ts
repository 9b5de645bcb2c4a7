import { PassThrough, Writable } from 'node:stream';
import { ClientNodePodExec, PodExecStreamError } from '../../../src/nodeaccess/exec';

/** client-node's Exec as a node that is rebooting answers: the API server cannot open the stream (404, then 500). */
function refusingExec(message: string): ConstructorParameters<typeof ClientNodePodExec>[0] {
  class Exec {
    exec(): Promise<never> {
      return Promise.reject(new Error(message));
    }
  }
  return { Exec } as unknown as ConstructorParameters<typeof ClientNodePodExec>[0];
}

const request = (stdout: Writable) => ({
  namespace: 'hl-access-1',
  pod: 'node-access-n1',
  container: 'node-access',
  argv: ['true'],
  stdout,
  stderr: new PassThrough(),
  timeoutMs: 5_000,
});

describe('an exec stream that cannot open (a node rebooting under its access pod)', () => {
  test('rejects with a retryable stream error, and a collector nobody reads gets no unhandled error event', async () => {
    const uncaught: Error[] = [];
    const onUncaught = (error: Error) => uncaught.push(error);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const collector = new Writable({ write: (_chunk, _enc, callback) => callback() });
      const exec = new ClientNodePodExec(refusingExec('Unexpected server response: 404'), {} as never);
      await expect(exec.exec(request(collector))).rejects.toThrow(
        new PodExecStreamError('cannot open the exec stream: Unexpected server response: 404'),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(collector.destroyed).toBe(true);
      expect(uncaught).toEqual([]);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
  });

  test('a reader of stdout (a download) learns of the failure from its stream', async () => {
    const download = new PassThrough();
    const seen = new Promise<Error>((resolve) => download.on('error', resolve));
    const exec = new ClientNodePodExec(refusingExec('Unexpected server response: 500'), {} as never);
    await expect(exec.exec(request(download))).rejects.toBeInstanceOf(PodExecStreamError);
    expect((await seen).message).toBe('cannot open the exec stream: Unexpected server response: 500');
  });
});
