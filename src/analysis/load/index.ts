// The load phase's pure analysis (issue 27); the churn record's file access is churnRecordFile.ts, imported by name.
export * from './churnRecord';
export * from './detectable';
export * from './histograms';
export * from './latency';
export * from './offeredRate';
export * from './promText';
export * from './podResources';
