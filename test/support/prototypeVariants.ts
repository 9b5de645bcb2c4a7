/**
 * The prototype-key variants of an input that would set an environment field (issue 25): the field under a
 * `__proto__` key at the top or beside it, or under `constructor.prototype` / a `prototype` key. Built as
 * JSON text, as the UI's start form and `--input` send it, so the keys arrive as own keys.
 */
import { ENVIRONMENT_FIELDS } from '../../src/config/trust';

export const VARIANT_KINDS = [
  '__proto__ at the top',
  '__proto__ beside the field',
  'constructor.prototype at the top',
  'prototype beside the field',
] as const;
export type VariantKind = (typeof VARIANT_KINDS)[number];

/** Every environment field, from the trust table (never a hand-written list). */
export const ENVIRONMENT_FIELD_NAMES: string[] = ENVIRONMENT_FIELDS.map((f) => f.field);

const nest = (keys: string[], inner: string) => keys.reduceRight((acc, key) => `{${JSON.stringify(key)}:${acc}}`, inner);

export interface Variant {
  json: string;
  /** Where the refused key is, as the error names it. */
  refusedAt: string;
  key: '__proto__' | 'constructor' | 'prototype';
}

export function prototypeVariant(kind: VariantKind, field: string, valueJson: string, design?: Record<string, unknown>): Variant {
  const keys = field.split('.');
  const parents = keys.slice(0, -1);
  const last = keys.at(-1)!;
  const beside = (key: Variant['key']): Variant => ({
    json: nest([...parents, key, last], valueJson),
    refusedAt: [...parents, key].join('.'),
    key,
  });
  const variant: Variant =
    kind === '__proto__ at the top'
      ? { json: nest(['__proto__', ...keys], valueJson), refusedAt: '__proto__', key: '__proto__' }
      : kind === '__proto__ beside the field'
        ? beside('__proto__')
        : kind === 'constructor.prototype at the top'
          ? { json: nest(['constructor', 'prototype', ...keys], valueJson), refusedAt: 'constructor', key: 'constructor' }
          : beside('prototype');
  // Design fields beside the attack, as a real input would have them.
  const extra = design && Object.keys(design).length > 0 ? `${JSON.stringify(design).slice(1, -1)},` : '';
  return { ...variant, json: `{${extra}${variant.json.slice(1)}` };
}

/** The message part that names the refused key (src/config/ownKeys.ts). */
export function refusalText(variant: Variant): string {
  return `${variant.refusedAt}: the key "${variant.key}" is not allowed`;
}
