/**
 * Registering hardenlab's search attributes (src/domain/searchAttributes.ts) with a server through the
 * operator API: the dev server (`hardenlab dev`, the demo, tests) and the time-skipping test server.
 */
import type { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { SEARCH_ATTRIBUTES } from '../domain/searchAttributes';

type OperatorConnection = Pick<Connection, 'operatorService'>;
type Key = (typeof SEARCH_ATTRIBUTES)[keyof typeof SEARCH_ATTRIBUTES];

function add(connection: OperatorConnection, namespace: string, keys: Key[]): Promise<unknown> {
  const searchAttributes = Object.fromEntries(keys.map(({ name, type }) => [name, encodeSearchAttributeIndexedValueType(type)!]));
  return connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}

/**
 * Adds those the namespace lacks and returns their names. A persisted dev server's database may predate
 * them (and `start-dev --search-attribute` registers only into a new database), so this asks the server.
 */
export async function ensureSearchAttributes(connection: OperatorConnection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.values(SEARCH_ATTRIBUTES).filter(({ name }) => customAttributes?.[name] === undefined);
  if (missing.length > 0) await add(connection, namespace, missing);
  return missing.map(({ name }) => name);
}

/** Adds them all, for a fresh server that cannot list them (the time-skipping test server). */
export async function registerSearchAttributes(connection: OperatorConnection, namespace: string): Promise<void> {
  await add(connection, namespace, Object.values(SEARCH_ATTRIBUTES));
}
