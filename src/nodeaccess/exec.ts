/**
 * One command in a pod through the API server's exec subresource (websocket, @kubernetes/client-node's
 * Exec; the package is ESM and loaded on first use). Streams stdin and stdout, so large files need no buffer.
 */
import { Readable, type Writable } from 'node:stream';
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

type K8sModule = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });

export interface PodExecRequest {
  namespace: string;
  pod: string;
  container: string;
  argv: readonly string[];
  stdout: Writable;
  stderr: Writable;
  stdin?: Readable | string;
  timeoutMs: number;
}

export interface PodExecOutcome {
  code: number | null;
  signal?: string;
}

/** Runs commands in pods; injected so tests and other transports can stand in. */
export interface PodExec {
  exec(request: PodExecRequest): Promise<PodExecOutcome>;
}

/** Why an exec stream failed without an exit status (the API server, the kubelet or the network): worth retrying. */
export class PodExecStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodExecStreamError';
  }
}

/** The exit status from the exec's status frame: Success, or NonZeroExitCode with the code in its causes. */
export function exitFromStatus(status: K8s.V1Status): PodExecOutcome {
  if (status.status === 'Success') return { code: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (status.reason === 'NonZeroExitCode' && cause?.message !== undefined && /^\d+$/.test(cause.message))
    return { code: Number(cause.message) };
  throw new PodExecStreamError(`exec failed: ${status.message ?? status.reason ?? JSON.stringify(status)}`);
}

export class ClientNodePodExec implements PodExec {
  private readonly exec_: K8s.Exec;

  constructor(k8s: K8sModule, kc: K8s.KubeConfig) {
    this.exec_ = new k8s.Exec(kc);
  }

  static async load(kubeconfigPath: string, context: string | undefined): Promise<ClientNodePodExec> {
    const k8s: K8sModule = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    if (context) kc.setCurrentContext(context);
    return new ClientNodePodExec(k8s, kc);
  }

  exec(req: PodExecRequest): Promise<PodExecOutcome> {
    return new Promise<PodExecOutcome>((resolve, reject) => {
      let settled = false;
      let socket: { close(): void; terminate?(): void; on(event: string, fn: (...args: unknown[]) => void): void } | undefined;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const fail = (error: Error) =>
        settle(() => {
          // A reader of stdout (a download) learns of the failure from its stream; a plain collector only from the
          // rejection, and an 'error' event nobody listens to would end the process.
          if (req.stdout.listenerCount('error') > 0) req.stdout.destroy(error);
          else req.stdout.destroy();
          socket?.terminate?.();
          reject(error);
        });
      const timer = setTimeout(() => fail(new PodExecStreamError(`timed out after ${req.timeoutMs} ms`)), req.timeoutMs);
      const stdin = typeof req.stdin === 'string' ? Readable.from([Buffer.from(req.stdin)]) : (req.stdin ?? null);
      const onStatus = (status: K8s.V1Status) => {
        try {
          const outcome = exitFromStatus(status);
          settle(() => resolve(outcome));
        } catch (error) {
          fail(error as Error);
        }
      };
      this.exec_
        .exec(req.namespace, req.pod, req.container, [...req.argv], req.stdout, req.stderr, stdin, false, onStatus)
        .then((ws) => {
          socket = ws as unknown as typeof socket;
          if (settled) socket?.terminate?.();
          // A socket that closes before the status frame: the API server, kubelet or network dropped it.
          socket?.on('close', () => fail(new PodExecStreamError('the exec stream closed before the command ended')));
          socket?.on('error', (err) => fail(new PodExecStreamError(`exec stream: ${(err as Error).message}`)));
        })
        .catch((err: unknown) => fail(new PodExecStreamError(`cannot open the exec stream: ${describeOpenError(err)}`)));
    });
  }
}

function describeOpenError(err: unknown): string {
  if (err instanceof Error) return err.message;
  const event = err as { message?: string; error?: Error } | undefined;
  return event?.error?.message ?? event?.message ?? String(err);
}
