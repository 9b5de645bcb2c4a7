export * from './access';
export * from './toolCommands';
export * from './findings';
export * from './install';
export * from './jobs';
export * from './kubeBenchReport';
export * from './kubeHunterReport';
export { parseToolJson, validateToolJson } from './toolJson';
