import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { parse as parseYaml } from 'yaml';
import { nodeMapSchema, type NodeEntry, type NodeMap } from '../config/nodeMap';

/** Error type of a node map that cannot be read or does not validate (non-retryable). */
export const NODE_MAP_INVALID = 'NodeMapInvalid';

/**
 * Loads the node map (YAML or JSON; JSON is YAML) and validates it. Errors name the file and the field
 * (`nodes[1].port: ...`). Relative key/known_hosts paths are resolved against the map's folder.
 */
export async function loadNodeMap(file: string): Promise<NodeMap> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw ApplicationFailure.nonRetryable(`node map ${file}: cannot read: ${(error as Error).message}`, NODE_MAP_INVALID);
  }
  return parseNodeMap(text, file);
}

export function parseNodeMap(text: string, file: string): NodeMap {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw ApplicationFailure.nonRetryable(`node map ${file}: not YAML/JSON: ${(error as Error).message}`, NODE_MAP_INVALID);
  }
  const parsed = nodeMapSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw ApplicationFailure.nonRetryable(`node map ${file}: ${problems.join('; ')}`, NODE_MAP_INVALID);
  }
  const names = new Set<string>();
  for (const [index, node] of parsed.data.nodes.entries()) {
    if (names.has(node.name)) {
      throw ApplicationFailure.nonRetryable(`node map ${file}: nodes[${index}].name: duplicate node ${node.name}`, NODE_MAP_INVALID);
    }
    names.add(node.name);
  }
  const base = path.dirname(path.resolve(file));
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(base, p));
  return {
    nodes: parsed.data.nodes.map((node) => ({
      ...node,
      privateKeyPath: abs(node.privateKeyPath),
      knownHostsPath: abs(node.knownHostsPath),
      jumpHost: node.jumpHost && {
        ...node.jumpHost,
        privateKeyPath: abs(node.jumpHost.privateKeyPath),
        knownHostsPath: abs(node.jumpHost.knownHostsPath),
      },
    })),
  };
}

function formatPath(parts: readonly PropertyKey[]): string {
  if (parts.length === 0) return '(top level)';
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

export type { NodeEntry, NodeMap };
