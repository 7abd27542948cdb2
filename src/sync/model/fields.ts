// Flat field maps: the canonical projection of a record's synced fields, the same shape on both
// sides (the mapping layer produces it from CRM records and from vCards/iCalendar/Graph/Google).
// The sync core compares, hashes and merges these maps and never looks inside a field's value
// except for list merging (C1) and length limits (F2).
import { createHash } from 'node:crypto';

/** A JSON-like value. Objects are compared by content with sorted keys; arrays keep their order. */
export type FieldValue =
  | null
  | boolean
  | number
  | string
  | readonly FieldValue[]
  | { readonly [key: string]: FieldValue };

/** Field name → value. A missing key and `null` mean the same thing: the field is empty. */
export type FieldMap = Readonly<Record<string, FieldValue>>;

/** Deterministic JSON: object keys sorted, `undefined` members dropped. */
export function canonicalJson(value: FieldValue | undefined): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v: FieldValue) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as { readonly [key: string]: FieldValue | undefined };
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Reads a field; a missing key reads as `null`. */
export function fieldOf(map: FieldMap | null | undefined, name: string): FieldValue {
  return map?.[name] ?? null;
}

export function valuesEqual(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

/** All field names of the given maps, sorted, without duplicates. */
export function fieldNames(...maps: readonly (FieldMap | null | undefined)[]): string[] {
  const names = new Set<string>();
  for (const m of maps) if (m) for (const k of Object.keys(m)) names.add(k);
  return [...names].sort();
}

/** Field-by-field equality; a missing key equals `null`. */
export function fieldsEqual(a: FieldMap, b: FieldMap): boolean {
  return fieldNames(a, b).every((k) => valuesEqual(a[k], b[k]));
}

/** The fields of `next` that differ from `prev` (a patch). Empty object when nothing differs. */
export function diffFields(prev: FieldMap, next: FieldMap): FieldMap {
  const patch: Record<string, FieldValue> = {};
  for (const k of fieldNames(prev, next)) if (!valuesEqual(prev[k], next[k])) patch[k] = fieldOf(next, k);
  return patch;
}

export function isEmptyPatch(patch: FieldMap): boolean {
  return Object.keys(patch).length === 0;
}

/** F3: what counts as a cleared field — null, '', [] or {}. */
export function isEmptyValue(value: FieldValue | undefined): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/**
 * Content hash of a canonical projection (the `crmHash` / `remoteHash` of a link row).
 * Null members are dropped first so that `{a: null}` and `{}` hash alike.
 */
export function hashFields(fields: FieldMap): string {
  const compact: Record<string, FieldValue> = {};
  for (const k of Object.keys(fields)) {
    const v = fields[k];
    if (v !== undefined && v !== null) compact[k] = v;
  }
  return createHash('sha256').update(canonicalJson(compact)).digest('hex');
}
