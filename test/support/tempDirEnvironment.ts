/**
 * jest's node environment plus the removal of the temp folders tempDir() made (test/support/tempDir.ts).
 * The environment's teardown runs after the file's last afterAll hook, also when tests or hooks failed, where
 * an afterAll of the helper's own would run before the file's (jest runs them in declaration order, imports
 * first) and remove folders that servers the file stops later still write into.
 */
import { TestEnvironment } from 'jest-environment-node';
import { TRACK_TEMP_DIR, removeTempDirs } from './tempDir';

export default class TempDirEnvironment extends TestEnvironment {
  private readonly tempDirs: string[] = [];

  constructor(...args: ConstructorParameters<typeof TestEnvironment>) {
    super(...args);
    this.global[TRACK_TEMP_DIR] = (dir: string) => this.tempDirs.push(dir);
  }

  override async teardown(): Promise<void> {
    try {
      await removeTempDirs(this.tempDirs);
    } finally {
      await super.teardown();
    }
  }
}
