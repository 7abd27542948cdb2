// Field limits and fields a target cannot hold (F2, F3).
//
// F2: where the target limits a field's length (BrokerStar: 150 characters for subject and
//     location) the value is cut on the way in, and a cut value coming back never overwrites the
//     longer original.
// F3: a field cleared on one side is cleared on the other, except fields the other side cannot
//     hold: a missing photo on a target never deletes the CRM's photo.
//
// All remote content is first seen "through the CRM's eyes" with `remoteAsSeenByCrm`, which puts
// the CRM's value back wherever the remote value is only the cut CRM value (F2) or a field the
// target cannot hold (F3). Everything downstream (change detection, merge) then compares like
// with like.
import { fieldNames, fieldOf, type FieldMap, type FieldValue } from '../model/fields.js';

/** Maximum length in Unicode code points, per field name. */
export type FieldLimits = Readonly<Record<string, number>>;

export interface FieldRules {
  /** F2: the target's length limits. */
  remoteLimits: FieldLimits;
  /** F3: fields the target cannot hold (e.g. `photo`); their remote value never reaches the CRM. */
  remoteCannotHold: readonly string[];
}

export const NO_FIELD_RULES: FieldRules = { remoteLimits: {}, remoteCannotHold: [] };

/** Cuts a string to `limit` code points (never splits a surrogate pair). */
export function cutToLimit(value: string, limit: number): string {
  const points = Array.from(value);
  return points.length <= limit ? value : points.slice(0, Math.max(0, limit)).join('');
}

/**
 * F2: the values to write to a target with the given limits. Non-string values pass unchanged.
 * When no value is cut, `fields` itself (field maps are never modified in place).
 */
export function applyFieldLimits(fields: FieldMap, limits: FieldLimits): FieldMap {
  let out: Record<string, FieldValue> | null = null;
  for (const name of Object.keys(limits)) {
    const v = fields[name];
    if (typeof v !== 'string') continue;
    const cut = cutToLimit(v, limits[name]!);
    if (cut === v) continue;
    out ??= { ...fields };
    out[name] = cut;
  }
  return out ?? fields;
}

/**
 * F2: is `candidate` the `original` cut to `limit`? True only when the original is longer than the
 * limit and the candidate is its cut, possibly with trailing white space trimmed (some targets trim
 * after cutting). An equal value is not a truncation.
 */
export function isTruncationOf(candidate: FieldValue | undefined, original: FieldValue | undefined, limit: number): boolean {
  if (typeof candidate !== 'string' || typeof original !== 'string') return false;
  if (Array.from(original).length <= limit) return false;
  const cut = cutToLimit(original, limit);
  return candidate === cut || (candidate.length > 0 && candidate === cut.trimEnd());
}

/**
 * The remote content in CRM terms: for each field with a limit whose remote value is the cut of the
 * CRM's current value or of the base (the value last written), that longer original (F2); for each
 * field the target cannot hold, the CRM's value (F3). All other remote values, including real
 * clears, are kept. Checking the base too matters when the CRM changed a long value since: the
 * remote still holds the cut of the old one, which is no remote change.
 */
export function remoteAsSeenByCrm(
  remote: FieldMap,
  crm: FieldMap,
  base: FieldMap | null,
  rules: FieldRules,
): FieldMap {
  const out: Record<string, FieldValue> = {};
  for (const name of fieldNames(remote, crm, base)) {
    const r = fieldOf(remote, name);
    const c = fieldOf(crm, name);
    const b = fieldOf(base, name);
    const limit = rules.remoteLimits[name];
    if (rules.remoteCannotHold.includes(name)) out[name] = c;
    else if (limit !== undefined && isTruncationOf(r, c, limit)) out[name] = c;
    else if (limit !== undefined && base !== null && isTruncationOf(r, b, limit)) out[name] = b;
    else out[name] = r;
  }
  return out;
}

/** What to write to the target for the given CRM-side content (F2 cut applied). */
export function fieldsForRemote(fields: FieldMap, rules: FieldRules): FieldMap {
  return applyFieldLimits(fields, rules.remoteLimits);
}
