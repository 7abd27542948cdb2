// The canonical projection (src/sync/engine/projection.ts) is a one-walk stand-in for "JSON round
// trip, then canonical JSON" (issue 4 item 6): it must give exactly that for any record (-0,
// NaN, undefined members and array elements, Dates, unsorted keys), and the hash of its canonical
// JSON must be hashFields of the round trip, or stored link hashes would stop matching.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { projectCanonical, SYNCED_FIELDS } from '../../src/sync/engine/projection.js';
import { canonicalCompact, hashCanonical, hashFields, type FieldMap } from '../../src/sync/model/fields.js';
import type { Unit } from '../../src/domain/records.js';

const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(-0),
    fc.date({ noInvalidDate: true }),
  ),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 4 }), tie('node'), { maxKeys: 4 })),
})).node;

function roundTrip(unit: Unit, record: Record<string, unknown>): FieldMap {
  const out: Record<string, unknown> = {};
  for (const f of SYNCED_FIELDS[unit]) {
    const v = record[f] === undefined ? null : JSON.parse(JSON.stringify(record[f]) ?? 'null');
    out[f] = v;
  }
  return out as FieldMap;
}

describe('projectCanonical', () => {
  it('equals the JSON round trip of the synced fields, and its canonical JSON hashes as hashFields', () => {
    const unit = fc.constantFrom<Unit>('contacts', 'calendar', 'tasks');
    fc.assert(fc.property(unit, fc.array(value, { minLength: 21, maxLength: 21 }), (u, values) => {
      const record: Record<string, unknown> = {};
      SYNCED_FIELDS[u].forEach((f, i) => { record[f] = values[i]; });
      const before = JSON.stringify(record);
      const { fields, canonical } = projectCanonical(u, record);
      const expected = roundTrip(u, record);
      expect(fields).toEqual(expected);
      expect(canonical).toBe(canonicalCompact(expected));
      expect(hashCanonical(canonical)).toBe(hashFields(expected));
      expect(JSON.stringify(record)).toBe(before); // the record is left as it was
    }), { numRuns: 500 });
  });

  it('keeps plain values (what the store gives: JSON text and columns) as they are, and projects them like the round trip', () => {
    const unit = fc.constantFrom<Unit>('contacts', 'calendar', 'tasks');
    // Keys JSON.stringify does not keep in insertion order (array indexes come first, numerically) and
    // keys in and out of order, as well as anything fc.jsonValue makes.
    const key = fc.constantFrom('0', '1', '9', '10', '4294967294', '4294967295', '01', '!', 'A', 'a', 'type', 'value', 'preferred', '');
    const plain = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(key, tie('node'), { maxKeys: 5 })),
    })).node;
    fc.assert(fc.property(unit, fc.array(plain, { minLength: 21, maxLength: 21 }), (u, values) => {
      const record: Record<string, unknown> = JSON.parse(JSON.stringify(Object.fromEntries(SYNCED_FIELDS[u].map((f, i) => [f, values[i]]))));
      const { fields, canonical } = projectCanonical(u, record);
      const expected = roundTrip(u, record);
      expect(fields).toStrictEqual(expected);
      expect(canonical).toBe(canonicalCompact(expected));
      for (const f of SYNCED_FIELDS[u]) if (record[f] !== null && typeof record[f] === 'object') expect(fields[f]).toBe(record[f]);
    }), { numRuns: 500 });
  });
});
