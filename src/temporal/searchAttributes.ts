/**
 * Registering hardenlab's search attributes (src/domain/searchAttributes.ts) with a server: as flags of
 * `temporal server start-dev`, or through the operator API (the time-skipping test server, a team's server).
 */
import type { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { SEARCH_ATTRIBUTES } from '../domain/searchAttributes';

/** The CLI's spelling of a type: `KEYWORD` → `Keyword`. */
const cliType = (type: string) => type.charAt(0) + type.slice(1).toLowerCase();

/** `--search-attribute HardenlabScenario=Keyword …` for `temporal server start-dev`. */
export function devServerSearchAttributeArgs(): string[] {
  return Object.values(SEARCH_ATTRIBUTES).flatMap(({ name, type }) => ['--search-attribute', `${name}=${cliType(type)}`]);
}

/** Adds them to a namespace through the operator API; a server that has them already accepts it again. */
export async function registerSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string): Promise<void> {
  const searchAttributes = Object.fromEntries(Object.values(SEARCH_ATTRIBUTES).map(({ name, type }) => [name, encodeSearchAttributeIndexedValueType(type)!]));
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}
