export * from './connection';
export * from './sshFailures';
export * from './hostKeyPolicy';
export * from './knownHosts';
export * from './nodeMapFile';
export * from './shell';
