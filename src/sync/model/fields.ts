// Flat field maps: the canonical projection of a record's synced fields, the same shape on both
// sides (the mapping layer produces it from CRM records and from vCards/iCalendar/Graph/Google).
// The sync core compares, hashes and merges these maps and never looks inside a field's value
// except for list merging (C1) and length limits (F2).
import { createHash, hash } from 'node:crypto';

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
  return canonicalInto(value);
}

// One pass with string concatenation: no intermediate arrays of parts (issue 4 item 6, this ran
// for every item of every run through `hashFields`).
function canonicalInto(value: FieldValue): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    const arr = value as readonly (FieldValue | undefined)[];
    let out = '[';
    for (let i = 0; i < arr.length; i++) {
      if (i > 0) out += ',';
      const v = arr[i];
      out += v === undefined ? 'null' : canonicalInto(v);
    }
    return `${out}]`;
  }
  const obj = value as { readonly [key: string]: FieldValue | undefined };
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(k)}:${canonicalInto(v)}`;
  }
  return `${out}}`;
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
  return hashCanonical(canonicalCompact(fields));
}

/** canonicalJson of `fields` without its null and undefined members (what `hashFields` hashes). */
export function canonicalCompact(fields: FieldMap): string {
  const keys = Object.keys(fields).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = fields[k];
    if (v === undefined || v === null) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(k)}:${canonicalInto(v)}`;
  }
  return `${out}}`;
}

/** The content hash of an already canonical string (see `hashFields`). */
export function hashCanonical(canonical: string): string {
  // crypto.hash (Node ≥ 20.12): one-shot, without a Hash object per call.
  return typeof hash === 'function' ? hash('sha256', canonical, 'hex') : createHash('sha256').update(canonical).digest('hex');
}
