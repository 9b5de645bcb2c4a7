/**
 * Opening SSH connections to nodes (ssh2): host key verification, key file or agent, optional jump host.
 * The session itself is in session.ts, the command quoting in shell.ts.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { NodeEntry } from '../config/nodeMap';
import { authFailed, SshErrorType, targetOf, transient } from './sshFailures';
import { createHostKeyCheck, type HostKeyOutcome, type HostKeyPolicy } from './hostKeyPolicy';
import { Ssh2Session } from './ssh2Session';
import type { SshConnector, SshSession } from './sessionContract';

export type { DownloadResult, ExecOptions, ExecResult, NodeScope, RemoteStat, SshConnector, SshSession } from './sessionContract';

export interface Ssh2ConnectorOptions {
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Fallback known_hosts file when a node names none (OpenSSH's default). */
  defaultKnownHostsPath?: string;
  /** The agent for nodes with neither key nor agent in the node map: the worker's SSH_AUTH_SOCK, given by the root. */
  defaultAgentSocket?: string;
}

/** The production connector: ssh2 with host key verification, key file or agent, optional jump host. */
export class Ssh2Connector implements SshConnector {
  constructor(private readonly options: Ssh2ConnectorOptions = {}) {}

  async connect(node: NodeEntry): Promise<SshSession> {
    const knownHostsDefault = this.options.defaultKnownHostsPath ?? path.join(os.homedir(), '.ssh', 'known_hosts');
    let jump: Client | undefined;
    let sock: NodeJS.ReadableStream | undefined;
    if (node.jumpHost) {
      const j = node.jumpHost;
      const jumpPolicy: HostKeyPolicy = {
        knownHostsPath: j.knownHostsPath ?? (j.hostKeyFingerprint ? undefined : (node.knownHostsPath ?? knownHostsDefault)),
        hostKeyFingerprint: j.hostKeyFingerprint,
        trustOnFirstUse: false,
      };
      const jumpAuth = { privateKeyPath: j.privateKeyPath ?? node.privateKeyPath, agentSocket: node.agentSocket };
      const opened = await this.open(j.host, j.port, j.user, jumpAuth, jumpPolicy);
      jump = opened.client;
      const jumpClient = jump;
      sock = await new Promise<ClientChannel>((resolve, reject) =>
        jumpClient.forwardOut('127.0.0.1', 0, node.host, node.port, (err, channel) =>
          err ? reject(transient(targetOf(node.user, node.host, node.port), `forwarding via ${j.host} to`, err)) : resolve(channel),
        ),
      ).catch((error) => {
        jumpClient.end();
        throw error;
      });
    }
    const policy: HostKeyPolicy = {
      knownHostsPath: node.knownHostsPath ?? (node.hostKeyFingerprint ? undefined : knownHostsDefault),
      hostKeyFingerprint: node.hostKeyFingerprint,
      trustOnFirstUse: node.trustOnFirstUse,
    };
    try {
      const { client, hostKey } = await this.open(node.host, node.port, node.user, node, policy, sock);
      return new Ssh2Session(node, client, hostKey, jump);
    } catch (error) {
      jump?.end();
      throw error;
    }
  }

  private async open(
    host: string,
    port: number,
    user: string,
    auth: { privateKeyPath?: string; agentSocket?: string },
    policy: HostKeyPolicy,
    sock?: NodeJS.ReadableStream,
  ): Promise<{ client: Client; hostKey: HostKeyOutcome }> {
    const target = targetOf(user, host, port);
    const privateKey = await readPrivateKey(target, auth.privateKeyPath);
    const agent = auth.agentSocket ?? (privateKey ? undefined : this.options.defaultAgentSocket);
    if (!privateKey && !agent) {
      throw ApplicationFailure.nonRetryable(
        `${target}: no privateKeyPath or agentSocket in the node map (and no SSH_AUTH_SOCK)`,
        SshErrorType.KeyUnreadable,
      );
    }
    const check = await createHostKeyCheck(host, port, target, policy);
    const client = new Client();
    const config: ConnectConfig = {
      host,
      port,
      username: user,
      privateKey,
      agent,
      readyTimeout: this.options.readyTimeoutMs ?? 20_000,
      keepaliveInterval: this.options.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        check.verify(key).then(verify, () => verify(false));
      },
      algorithms: check.preferredAlgorithms.length
        ? { serverHostKey: { prepend: check.preferredAlgorithms as never[], append: [], remove: [] } }
        : undefined,
      sock: sock as ConnectConfig['sock'],
    };
    return new Promise((resolve, reject) => {
      let settled = false;
      client.once('ready', () => {
        settled = true;
        // later errors surface through the session's pending calls; an 'error' without a listener would crash the worker
        client.on('error', () => undefined);
        resolve({ client, hostKey: check.outcome()! });
      });
      client.once('error', (err: Error & { level?: string }) => {
        if (settled) return;
        settled = true;
        client.end();
        const refusal = check.refusal();
        if (refusal) reject(refusal);
        else if (err.level === 'client-authentication') reject(authFailed(target, err.message));
        else reject(transient(target, 'connecting to', err));
      });
      client.once('close', () => {
        if (settled) return;
        settled = true;
        reject(check.refusal() ?? transient(target, 'connecting to', new Error('connection closed during handshake')));
      });
      client.connect(config);
    });
  }
}

async function readPrivateKey(target: string, keyPath: string | undefined): Promise<Buffer | undefined> {
  if (!keyPath) return undefined;
  try {
    return await fs.readFile(keyPath);
  } catch (error) {
    throw ApplicationFailure.nonRetryable(
      `${target}: cannot read privateKeyPath ${keyPath}: ${(error as Error).message}`,
      SshErrorType.KeyUnreadable,
    );
  }
}
