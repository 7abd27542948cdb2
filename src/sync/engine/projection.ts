// The canonical projection of the synced fields (issue 4: "content hashes of the canonical
// projection of the synced fields on both sides"). The same field names on both sides: they are
// the CRM record's own, so a remote change becomes a CRM patch without translation, and the
// mapping tables of each protocol live in its connector (F1).
import type { Unit } from '../../domain/records.js';
import type { UnitPayload } from '../../connectors/types.js';
import type { FieldMap, FieldValue } from '../model/fields.js';

/**
 * Per unit, the fields that travel. CRM-only fields (responsible agent, archived flag, links to
 * contacts, organizer) never do. Attendees are written to targets (G2/G3) but not read back: the
 * CRM leads who takes part, and a target's attendee list is not a source of CRM participants.
 */
export const SYNCED_FIELDS: Readonly<Record<Unit, readonly string[]>> = {
  contacts: [
    'kind', 'prefix', 'givenName', 'middleName', 'familyName', 'suffix', 'nickname', 'organization', 'department',
    'jobTitle', 'profession', 'gender', 'birthday', 'addresses', 'phones', 'emails', 'websites', 'note', 'photo',
    'tags', 'category',
  ],
  calendar: ['title', 'note', 'location', 'timing', 'recurrence', 'overrides', 'status', 'private', 'reminders'],
  tasks: ['title', 'note', 'start', 'due', 'priority', 'status', 'percentComplete', 'completedAt'],
};

/** F3: fields a target may not be able to hold; a missing value there never clears the CRM's. */
export const OPTIONAL_ON_TARGET: Readonly<Record<Unit, readonly string[]>> = {
  contacts: ['photo'],
  calendar: [],
  tasks: [],
};

/**
 * A copy of `value` as a JSON round trip would give it (`undefined`, functions and symbols dropped
 * from objects and null in arrays, `toJSON` honoured, non-finite numbers null), built in one walk
 * that also yields the value's canonical JSON (sorted keys, as `canonicalJson` of the copy) in
 * `canon`. Issue 4 item 6: the JSON round trip and the separate canonical serialisation for the
 * content hash were the largest per-item cost of observe. Returns undefined for a dropped value.
 */
let canon = '';
function copy(value: unknown): FieldValue | undefined {
  switch (typeof value) {
    case 'string':
      canon = JSON.stringify(value);
      return value;
    case 'number':
      if (!Number.isFinite(value)) { canon = 'null'; return null; }
      canon = JSON.stringify(value);
      return value === 0 ? 0 : value; // -0 reads back as 0
    case 'boolean':
      canon = value ? 'true' : 'false';
      return value;
    case 'undefined':
    case 'function':
    case 'symbol':
      canon = 'null';
      return undefined;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      break;
  }
  if (value === null) { canon = 'null'; return null; }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return copy(toJSON.call(value, ''));
  if (Array.isArray(value)) {
    const arr = value as readonly unknown[];
    const out: FieldValue[] = new Array<FieldValue>(arr.length);
    let s = '[';
    for (let i = 0; i < arr.length; i++) {
      const c = copy(arr[i]);
      if (i > 0) s += ',';
      if (c === undefined) { out[i] = null; s += 'null'; } else { out[i] = c; s += canon; }
    }
    canon = `${s}]`;
    return out;
  }
  const obj = value as Record<string, unknown>;
  const out: Record<string, FieldValue> = {};
  const parts: [string, string][] = [];
  for (const k of Object.keys(obj)) {
    const c = copy(obj[k]);
    if (c === undefined) continue;
    out[k] = c;
    parts.push([k, canon]);
  }
  parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let s = '{';
  for (let i = 0; i < parts.length; i++) {
    const [k, c] = parts[i]!;
    if (i > 0) s += ',';
    s += `${JSON.stringify(k)}:${c}`;
  }
  canon = `${s}}`;
  return out;
}

/**
 * Per unit, SYNCED_FIELDS in sorted name order, with the JSON-quoted names followed by a colon,
 * without and with a leading comma.
 */
const SORTED: Readonly<Record<Unit, readonly (readonly [string, string, string])[]>> = Object.fromEntries(
  (Object.keys(SYNCED_FIELDS) as Unit[]).map((unit) => [
    unit,
    [...SYNCED_FIELDS[unit]].sort().map((f) => [f, `${JSON.stringify(f)}:`, `,${JSON.stringify(f)}:`] as const),
  ]),
) as unknown as Record<Unit, readonly (readonly [string, string, string])[]>;

/**
 * Whether a JSON round trip gives `value` back unchanged ("plain"), and if so whether its objects'
 * keys are already in sorted order, so that `JSON.stringify(value)` is its canonical JSON.
 * Not plain: undefined, functions and symbols anywhere, non-finite numbers and -0, array holes,
 * objects other than plain objects and arrays (a Date, a class instance, a null-prototype object,
 * anything with `toJSON`). Records read from the store are plain throughout (JSON text and column
 * values), so the projection can keep the record's own values instead of copying them, and most
 * values (strings, lists of strings, `{type, value}` pairs) are serialised by JSON.stringify in
 * one native call (issue 4 item 6: the copy and the string pieces of the canonical JSON were over
 * half of the engine's allocations, and with them of the garbage collector's work).
 */
const NOT_PLAIN = 0;
const PLAIN_SORTED = 1;
const PLAIN = 2;
type Plainness = typeof NOT_PLAIN | typeof PLAIN_SORTED | typeof PLAIN;

function plainness(value: unknown): Plainness {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return PLAIN_SORTED;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? PLAIN_SORTED : NOT_PLAIN;
    case 'object':
      break;
    default:
      return NOT_PLAIN;
  }
  if (value === null) return PLAIN_SORTED;
  const proto = Object.getPrototypeOf(value) as unknown;
  let result: Plainness = PLAIN_SORTED;
  if (proto === Array.prototype) {
    const arr = value as readonly unknown[];
    for (let i = 0; i < arr.length; i++) {
      if (!(i in arr)) return NOT_PLAIN;
      const p = plainness(arr[i]);
      if (p === NOT_PLAIN) return NOT_PLAIN;
      if (p === PLAIN) result = PLAIN;
    }
    return result;
  }
  if (proto !== Object.prototype) return NOT_PLAIN;
  const obj = value as Record<string, unknown>;
  if (typeof obj.toJSON === 'function') return NOT_PLAIN;
  // for-in, Object.keys and JSON.stringify agree on the order (a plain object inherits nothing enumerable).
  let previous: string | null = null;
  for (const k in obj) {
    if (previous !== null && previous > k) result = PLAIN;
    previous = k;
    const p = plainness(obj[k]);
    if (p === NOT_PLAIN) return NOT_PLAIN;
    if (p === PLAIN) result = PLAIN;
  }
  return result;
}

/** Appends the canonical JSON of a plain value (with its plainness) to `text`. */
let text = '';
function appendPlain(value: unknown, p: Plainness): void {
  if (p === PLAIN_SORTED) {
    text += JSON.stringify(value);
    return;
  }
  if (Array.isArray(value)) {
    text += '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ',';
      appendPlain(value[i], plainness(value[i]));
    }
    text += ']';
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  sortKeys(keys);
  text += '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    text += i > 0 ? `,${JSON.stringify(k)}:` : `${JSON.stringify(k)}:`;
    appendPlain(obj[k], plainness(obj[k]));
  }
  text += '}';
}

/** In place, by UTF-16 code units (as `Array.prototype.sort()`); objects here have few keys. */
function sortKeys(keys: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
}

export interface Projected {
  fields: FieldMap;
  /** `canonicalCompact(fields)`: what `hashFields(fields)` hashes. */
  canonical: string;
}

/**
 * The projection and its canonical JSON in one walk: `hashCanonical(canonical) === hashFields(fields)`.
 * `fields` equals the JSON round trip of the synced fields. A field whose value is plain (see
 * plainness) is the record's own value, not a copy: projections, like records, are never
 * modified in place (FieldValue is read-only). Any other value is copied as the round trip would.
 */
export function projectCanonical(unit: Unit, record: object): Projected {
  const source = record as Record<string, unknown>;
  const out: Record<string, FieldValue> = { ...ALL_NULL[unit] };
  // Common case: every value plain. The non-null values, with keys in sorted order at every level
  // (copies only of the objects whose keys are not), serialised by one JSON.stringify.
  const compact: Record<string, unknown> = {};
  for (const [name] of SORTED[unit]) {
    const v = source[name];
    if (v === undefined || v === null) continue;
    const p = plainness(v);
    const sorted = p === PLAIN_SORTED ? v : p === PLAIN ? sortedCopy(v) : undefined;
    if (sorted === undefined) return projectPiecewise(unit, source);
    out[name] = v as FieldValue;
    compact[name] = sorted;
  }
  return { fields: out, canonical: JSON.stringify(compact) };
}

/**
 * A plain value with the keys of every object in sorted order (objects already sorted are kept),
 * so that JSON.stringify gives its canonical JSON; undefined when JSON.stringify would not keep
 * that order (an object with array-index keys, which it always puts first, in numeric order).
 */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const c = sortedCopy(value[i]);
      if (c === undefined) return undefined;
      out[i] = c;
    }
    return out;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  sortKeys(keys);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const c0 = k.charCodeAt(0);
    if (c0 >= 48 && c0 <= 57 && ARRAY_INDEX.test(k)) return undefined;
    const c = sortedCopy(obj[k]);
    if (c === undefined) return undefined;
    out[k] = c;
  }
  return out;
}

const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/;

/** Per unit, every synced field null, in SYNCED_FIELDS order: the shape of a projection. */
const ALL_NULL: Readonly<Record<Unit, Readonly<Record<string, FieldValue>>>> = Object.fromEntries(
  (Object.keys(SYNCED_FIELDS) as Unit[]).map((unit) => [unit, Object.fromEntries(SYNCED_FIELDS[unit].map((f) => [f, null]))]),
) as unknown as Record<Unit, Record<string, FieldValue>>;

/** projectCanonical for records with values that are not plain: the canonical JSON piece by piece. */
function projectPiecewise(unit: Unit, source: Record<string, unknown>): Projected {
  const out: Record<string, FieldValue> = { ...ALL_NULL[unit] };
  text = '{';
  let first = true;
  for (const [name, head, commaHead] of SORTED[unit]) {
    const v = source[name];
    if (v === undefined || v === null) continue;
    const p = plainness(v);
    if (p !== NOT_PLAIN) {
      out[name] = v as FieldValue;
      text += first ? head : commaHead;
      appendPlain(v, p);
    } else {
      const c = copy(v);
      if (c === undefined || c === null) continue;
      out[name] = c;
      text += `${first ? head : commaHead}${canon}`;
    }
    first = false;
  }
  const canonical = `${text}}`;
  text = '';
  return { fields: out, canonical };
}

export function project(unit: Unit, record: object): FieldMap {
  return projectCanonical(unit, record).fields;
}

export function projectPayload(payload: UnitPayload): FieldMap {
  return project(payload.unit, payload.record);
}

/**
 * vCard has one CATEGORIES list for both the CRM's category and its tags (formats writes the
 * category first); read back, every value is a tag and the category is null. Without this the
 * round trip of a contact with a category looks like a remote change, and the next edit on the
 * phone would clear the CRM's category (F3 misapplied) and add it as a tag. The category the two
 * sides last agreed on (`known`) is lifted back out of the tags; a category removed on the target
 * stays removed.
 */
export function withKnownCategory(fields: FieldMap, known: FieldValue | undefined): FieldMap {
  if (typeof known !== 'string' || known === '' || fields.category !== null || !Array.isArray(fields.tags)) return fields;
  const tags = fields.tags as FieldValue[];
  const at = tags.findIndex((t) => typeof t === 'string' && t.toLowerCase() === known.toLowerCase());
  if (at < 0) return fields;
  return { ...fields, category: known, tags: tags.filter((_, i) => i !== at) };
}
