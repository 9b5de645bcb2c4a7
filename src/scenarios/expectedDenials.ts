/**
 * A pack's expected denials: an optional `expected-denials.yaml` in its folder, a YAML list of attack-battery
 * ids (src/domain/scenarios.ts ATTACK_IDS) that the pack should make the cluster deny. It is evidence, not a
 * manifest: the report marks each as met or not met from the battery's real outcomes.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { ATTACK_IDS, EXPECTED_DENIALS_FILES, type AttackId } from '../domain/scenarios';
import type { ScenarioProblem } from './packs';

export const isExpectedDenialsFile = (name: string): boolean => (EXPECTED_DENIALS_FILES as readonly string[]).includes(name);

/** Parses the file's text; every problem names the file, and an entry by its 1-based position. */
export function parseExpectedDenials(text: string, file: string): { ids?: AttackId[]; problems: ScenarioProblem[] } {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const error = doc.errors[0]!;
    return {
      problems: [{ field: file, message: `not valid YAML (line ${error.linePos?.[0].line ?? '?'}): ${error.message.split('\n')[0]}` }],
    };
  }
  const value: unknown = doc.toJS();
  const example = `a list of attack ids, one "- <id>" a line (the attack battery's: ${ATTACK_IDS.join(', ')})`;
  if (!Array.isArray(value))
    return {
      problems: [
        {
          field: file,
          message:
            `must be ${example}, ` +
            `got ${value === null || value === undefined ? 'nothing' : typeof value === 'object' ? 'a mapping' : JSON.stringify(value)}`,
        },
      ],
    };
  if (value.length === 0)
    return { problems: [{ field: file, message: `lists no attack: name at least one, or remove the file (${example})` }] };
  const problems: ScenarioProblem[] = [];
  const ids: AttackId[] = [];
  value.forEach((entry: unknown, i) => {
    const field = `${file} entry ${i + 1}`;
    if (typeof entry !== 'string') problems.push({ field, message: `is ${JSON.stringify(entry)}, not an attack id` });
    else if (!(ATTACK_IDS as readonly string[]).includes(entry))
      problems.push({ field, message: `unknown attack "${entry}": the attack battery's are ${ATTACK_IDS.join(', ')}` });
    else if (ids.includes(entry as AttackId)) problems.push({ field, message: `lists "${entry}" twice` });
    else ids.push(entry as AttackId);
  });
  return problems.length ? { problems } : { ids, problems };
}

/** Reads the pack folder's expected-denials file, if it has one (`.yaml` or `.yml`, not both). */
export async function readExpectedDenials(
  dir: string,
  fileNames: readonly string[],
): Promise<{ ids?: AttackId[]; problems: ScenarioProblem[] }> {
  const present = fileNames.filter(isExpectedDenialsFile);
  if (present.length === 0) return { problems: [] };
  if (present.length > 1) return { problems: [{ field: dir, message: `has both ${present.join(' and ')}: keep one` }] };
  const file = path.join(dir, present[0]!);
  return parseExpectedDenials(await fs.readFile(file, 'utf8'), file);
}
