import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import type { WorkerConfig } from '../config/workerConfig';
import { dataConverterFor } from './codec';

export interface ConnectionSettings {
  address: string;
  tls?: { serverNameOverride?: string; serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } };
}

/** Connection settings (address, TLS) shared by client and worker connections. */
export function connectionOptions(temporal: WorkerConfig['temporal']): ConnectionSettings {
  const tls = temporal.tls;
  return {
    address: temporal.address,
    tls: tls
      ? {
          serverNameOverride: tls.serverName,
          serverRootCACertificate: tls.caPath ? readFileSync(tls.caPath) : undefined,
          clientCertPair: tls.certPath && tls.keyPath ? { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) } : undefined,
        }
      : undefined,
  };
}

/** A client that reads and writes payloads as the workers do (encrypted when a key file is configured). */
export async function connectClient(temporal: WorkerConfig['temporal']): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(temporal));
  return new Client({ connection, namespace: temporal.namespace, dataConverter: await dataConverterFor(temporal) });
}
