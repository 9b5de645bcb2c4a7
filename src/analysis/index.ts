export * from './parsers';
export * from './stats';
export * from './model';
export { readExperimentData, readSysstatFile } from './files';
