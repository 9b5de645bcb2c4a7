/**
 * Keys that reach an object's prototype instead of its own fields. A JSON or YAML document may carry them
 * as own keys (`{"__proto__": {…}}`); copied with `out[key] = …` they set the prototype, and a schema then
 * reads the inherited values. They are refused wherever user or config data is read (workflow input, the
 * worker config, scenario and pack YAML), and merges copy own properties only, into prototype-less objects.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Dotted paths of every prototype key in a JSON-like value (`cluster.__proto__`, `nodes.0.constructor`). */
export function prototypeKeyPaths(value: unknown, at = ''): string[] {
  if (!isRecord(value)) return [];
  const found: string[] = [];
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== 'string') continue;
    const here = at ? `${at}.${key}` : key;
    if (PROTOTYPE_KEYS.has(key)) found.push(here);
    else found.push(...prototypeKeyPaths(Reflect.get(value, key), here));
  }
  return found;
}

/** One problem per prototype key, naming where it is. */
export function prototypeKeyProblems(value: unknown): { field: string; message: string }[] {
  return prototypeKeyPaths(value).map((field) => ({
    field,
    message: `the key "${field.split('.').pop()}" is not allowed: it would reach the object's prototype instead of a field of its own`,
  }));
}

/** An object without a prototype: nothing inherited can be read from it. */
export function bareObject(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

/** Own, non-prototype value of `key`, never an inherited one. */
export function ownValue(source: unknown, key: string): unknown {
  if (!isRecord(source) || Array.isArray(source) || PROTOTYPE_KEYS.has(key) || !Object.hasOwn(source, key)) return undefined;
  return (source as Record<string, unknown>)[key];
}

/** JSON with sorted keys: equal values give equal text whatever order their keys were written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
