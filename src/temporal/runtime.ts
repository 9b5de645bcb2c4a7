import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

const LEVELS: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/**
 * Sets the worker's log level (HARDENLAB_LOG_LEVEL wins). Must run before the first worker or native
 * connection is created; later calls do nothing.
 */
export function installRuntime(defaultLevel: LogLevel, env: NodeJS.ProcessEnv): void {
  const wanted = env.HARDENLAB_LOG_LEVEL?.toUpperCase() as LogLevel | undefined;
  const level = wanted && LEVELS.includes(wanted) ? wanted : defaultLevel;
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Already installed (a second command in the same process, or tests).
  }
}
