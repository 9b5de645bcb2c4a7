/**
 * What the tools activity needs from the SSH and Kubernetes layers, as small structural interfaces so
 * that `Ssh2Connector` and `loadKubeClient` satisfy them and tests can pass real or narrowed clients.
 */
import type { NodeEntry } from '../config/nodeMap';
import type { ClusterRef } from '../domain/contracts';
import type { KubeClient } from '../kube/kubeObjects';

export interface ToolExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface ToolSshSession {
  exec(command: string, options?: { privileged?: boolean; stdin?: string; timeoutMs?: number }): Promise<ToolExecResult>;
  download(remotePath: string, localPath: string): Promise<unknown>;
  /** SFTP upload, atomic on the node (part file, then rename). */
  upload(localPath: string, remotePath: string, onProgress?: (bytes: number) => void): Promise<unknown>;
  close(): Promise<void>;
}

export interface ToolSshConnector {
  connect(node: NodeEntry, scope?: { runId: string }): Promise<ToolSshSession>;
}

/** The Kubernetes calls the tools make, plus reading a pod's log (absent from KubeClient so far). */
export type ToolKubeClient = Pick<KubeClient, 'server' | 'apply' | 'get' | 'list' | 'version'> & {
  /** The pod's log; rejects when the API server cannot get it (as for pods on KWOK nodes). */
  podLog(namespace: string, pod: string, container?: string): Promise<string>;
};

export type ToolKubeLoader = (cluster: ClusterRef) => Promise<ToolKubeClient>;
