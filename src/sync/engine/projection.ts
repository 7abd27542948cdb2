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

/** Per unit, the indexes of SYNCED_FIELDS in sorted name order, with the JSON-quoted names. */
const SORTED: Readonly<Record<Unit, readonly (readonly [number, string])[]>> = Object.fromEntries(
  (Object.keys(SYNCED_FIELDS) as Unit[]).map((unit) => [
    unit,
    SYNCED_FIELDS[unit].map((f, i) => [i, f] as const).sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)).map(([i, f]) => [i, JSON.stringify(f)] as const),
  ]),
) as unknown as Record<Unit, readonly (readonly [number, string])[]>;

export interface Projected {
  fields: FieldMap;
  /** `canonicalCompact(fields)`: what `hashFields(fields)` hashes. */
  canonical: string;
}

/** The projection and its canonical JSON in one walk: `hashCanonical(canonical) === hashFields(fields)`. */
export function projectCanonical(unit: Unit, record: object): Projected {
  const source = record as Record<string, unknown>;
  const names = SYNCED_FIELDS[unit];
  const out: Record<string, FieldValue> = {};
  const canons: (string | null)[] = new Array<string | null>(names.length);
  for (let i = 0; i < names.length; i++) {
    const f = names[i]!;
    const c = copy(source[f]);
    if (c === undefined || c === null) { out[f] = null; canons[i] = null; } else { out[f] = c; canons[i] = canon; }
  }
  let s = '{';
  let first = true;
  for (const [i, quoted] of SORTED[unit]) {
    const c = canons[i];
    if (c === null || c === undefined) continue;
    if (!first) s += ',';
    first = false;
    s += `${quoted}:${c}`;
  }
  return { fields: out, canonical: `${s}}` };
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
