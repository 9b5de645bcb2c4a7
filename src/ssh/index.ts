export * from './connection';
export * from './errors';
export * from './hostKeyPolicy';
export * from './knownHosts';
export * from './nodeMap';
export * from './shell';
