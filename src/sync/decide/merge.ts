// C1: field-by-field three-way merge over the base snapshot.
//
// For every field: equal on both sides → that value; changed on one side only (against the base)
// → that side's value; changed on both sides to different values → the conflict policy decides:
//   'crm-wins'    keep the CRM's value ("keep the CRM version", 004)
//   'remote-wins' take the remote value ("take the remote version", 004)
//   'merge'       (default) lists are merged three-way — additions from both sides kept, removals
//                 from either side applied; any other value keeps the CRM's (the leading system).
// So the policy applies only to fields changed on both sides; a field changed on one side always
// travels. Without a base (`null`), every differing field counts as changed on both sides.
import {
  canonicalJson,
  fieldNames,
  fieldOf,
  valuesEqual,
  type FieldMap,
  type FieldValue,
} from '../model/fields.js';
import { assertNever } from '../model/state.js';

export type ConflictPolicy = 'crm-wins' | 'remote-wins' | 'merge';
export const DEFAULT_CONFLICT_POLICY: ConflictPolicy = 'merge';

/** How one differing field was resolved. Fields equal on both sides are not listed. */
export type FieldResolution =
  | { field: string; outcome: 'crm-changed' }
  | { field: string; outcome: 'remote-changed' }
  | { field: string; outcome: 'both-changed'; takenFrom: 'crm' | 'remote' | 'list-merge' };

export interface MergeResult {
  merged: FieldMap;
  resolutions: FieldResolution[];
  /** Fields changed on both sides to different values (the C1 conflict proper). */
  conflictingFields: string[];
}

export function mergeFields(
  base: FieldMap | null,
  crm: FieldMap,
  remote: FieldMap,
  policy: ConflictPolicy,
): MergeResult {
  const merged: Record<string, FieldValue> = {};
  const resolutions: FieldResolution[] = [];
  const conflictingFields: string[] = [];
  for (const field of fieldNames(base, crm, remote)) {
    const c = fieldOf(crm, field);
    const r = fieldOf(remote, field);
    if (valuesEqual(c, r)) {
      merged[field] = c;
      continue;
    }
    const crmChanged = base === null || !valuesEqual(c, fieldOf(base, field));
    const remoteChanged = base === null || !valuesEqual(r, fieldOf(base, field));
    if (crmChanged && !remoteChanged) {
      merged[field] = c;
      resolutions.push({ field, outcome: 'crm-changed' });
    } else if (remoteChanged && !crmChanged) {
      merged[field] = r;
      resolutions.push({ field, outcome: 'remote-changed' });
    } else {
      conflictingFields.push(field);
      const { value, takenFrom } = resolveBothChanged(base === null ? null : fieldOf(base, field), c, r, policy);
      merged[field] = value;
      resolutions.push({ field, outcome: 'both-changed', takenFrom });
    }
  }
  return { merged, resolutions, conflictingFields };
}

function resolveBothChanged(
  base: FieldValue,
  crm: FieldValue,
  remote: FieldValue,
  policy: ConflictPolicy,
): { value: FieldValue; takenFrom: 'crm' | 'remote' | 'list-merge' } {
  switch (policy) {
    case 'crm-wins':
      return { value: crm, takenFrom: 'crm' };
    case 'remote-wins':
      return { value: remote, takenFrom: 'remote' };
    case 'merge':
      if (isList(crm) && isList(remote) && (base === null || isList(base))) {
        return { value: mergeLists(base ?? [], crm, remote), takenFrom: 'list-merge' };
      }
      return { value: crm, takenFrom: 'crm' };
    default:
      return assertNever(policy);
  }
}

function isList(v: FieldValue): v is readonly FieldValue[] {
  return Array.isArray(v);
}

/**
 * Three-way merge of two lists treated as sets of values: the CRM's items in the CRM's order minus
 * those the remote removed, then the remote's additions in the remote's order.
 */
export function mergeLists(
  base: readonly FieldValue[],
  crm: readonly FieldValue[],
  remote: readonly FieldValue[],
): FieldValue[] {
  const inBase = new Set(base.map((v) => canonicalJson(v)));
  const inRemote = new Set(remote.map((v) => canonicalJson(v)));
  const out: FieldValue[] = [];
  const seen = new Set<string>();
  for (const v of crm) {
    const k = canonicalJson(v);
    if (seen.has(k) || (inBase.has(k) && !inRemote.has(k))) continue;
    seen.add(k);
    out.push(v);
  }
  for (const v of remote) {
    const k = canonicalJson(v);
    if (seen.has(k) || inBase.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  return out;
}
