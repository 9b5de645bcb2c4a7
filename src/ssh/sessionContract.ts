import type { NodeEntry } from '../config/nodeMap';
import type { HostKeyOutcome } from './hostKeyPolicy';

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Run through `sudo -n` when the user is not root (root runs it directly). */
  privileged?: boolean;
  stdin?: string;
  /** Kill the wait after this long (retryable error); default 10 minutes. */
  timeoutMs?: number;
}

export interface RemoteStat {
  size: number;
  mtimeSeconds: number;
}

export interface DownloadResult {
  bytes: number;
  /** Bytes reused from an earlier interrupted attempt. */
  resumedFrom: number;
}

/**
 * How a process started through a session outlives it: `session` (setsid: an SSH logout does not end it) or
 * `service` (a transient systemd service in the node's own cgroups: the access pod's deletion does not end it).
 */
export type Detach = 'session' | 'service';

/** A portable sysstat a transport can copy to a node: its sums (checked before each use), version and files. */
export interface SysstatKit {
  sums: string;
  version: string;
  files: string[];
}

export interface SshSession {
  readonly node: NodeEntry;
  /** `user@host:port`, for messages. */
  readonly target: string;
  /** How the host key was accepted, with its fingerprint (recorded when trusted on first use). */
  readonly hostKey: HostKeyOutcome;
  /** How a process must start to outlive this session (the sampler): default `session` (setsid). */
  readonly detach?: Detach;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero exit is an error naming the command (a sudo refusal is non-retryable). */
  run(command: string, options?: ExecOptions): Promise<string>;
  stat(remotePath: string): Promise<RemoteStat | null>;
  /**
   * Streams a remote file to localPath via `<localPath>.part`, renamed when complete. An interrupted
   * download resumes from the part file when the remote file is unchanged (same size and mtime).
   */
  download(remotePath: string, localPath: string, onProgress?: (bytes: number) => void): Promise<DownloadResult>;
  /** Streams a local file to remotePath via `<remotePath>.part` (parent folders created), renamed when complete. */
  upload(localPath: string, remotePath: string, onProgress?: (bytes: number) => void): Promise<{ bytes: number }>;
  /**
   * What reaching the node costs it beyond the sampler, where the transport runs on the node itself (the access
   * pod: its CPU seconds); absent for SSH, whose sshd is the node's own.
   */
  transportCost?(): Promise<{ cpuSeconds: number } | { unavailable: string }>;
  /** The portable sysstat this transport can put on a node that has none (the access pod's image), or why not. */
  sysstatKit?(): Promise<SysstatKit | { unavailable: string }>;
  /** Copies that kit to the node (src/nodeaccess/sysstatKitCopy.ts). */
  installSysstatKit?(kit: SysstatKit): Promise<void>;
  close(): Promise<void>;
}

/** The run a connection serves: node transports that create objects for it (the Kubernetes access pod) label them with it. */
export interface NodeScope {
  runId: string;
}

/** Opens a session on a node: over SSH (ssh2), or through a privileged pod on it (src/nodeaccess/). */
export interface SshConnector {
  connect(node: NodeEntry, scope?: NodeScope): Promise<SshSession>;
}
