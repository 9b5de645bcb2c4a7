export * from './connection';
export * from './errors';
export * from './hostKeyPolicy';
export * from './knownHosts';
export * from './nodeMapFile';
export * from './shell';
