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

/** JSON round trip drops `undefined` members so both sides hash the same content. */
function plain(value: unknown): FieldValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as FieldValue);
}

export function project(unit: Unit, record: object): FieldMap {
  const source = record as Record<string, unknown>;
  const out: Record<string, FieldValue> = {};
  for (const f of SYNCED_FIELDS[unit]) out[f] = plain(source[f]);
  return out;
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
