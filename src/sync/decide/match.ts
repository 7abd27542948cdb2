// M1 initial matching: before anything is created at a first sync or after a reset (H3), unlinked
// target items are matched to unlinked CRM records and linked instead of duplicated.
//
// Keys are tried tier by tier, strongest first: our id (X-CRMSYNC-ID), then UID, then the weak
// keys of the unit (contacts: e-mail, phone, normalised name; appointments: title + start; tasks:
// title + due). Within a tier a pair is made only when it is one-to-one: the CRM record has exactly
// one candidate and that candidate has exactly this record. An item that has several candidates
// in some tier is ambiguous: it is matched in no later (weaker) tier and is reported, so that the
// planner neither links nor creates it.
import type { Id, Unit } from '../../domain/records.js';
import type { FieldValue } from '../model/fields.js';
import { assertNever, type CrmItem, type RemoteItem } from '../model/state.js';

export type MatchTier = 'crm-id' | 'uid' | 'email' | 'phone' | 'name' | 'title-start' | 'title-due';
export const STRONG_TIERS: readonly MatchTier[] = ['crm-id', 'uid'];

export interface MatchKey {
  tier: MatchTier;
  value: string;
}

/** Keys of an item on either side; the tier order is given by `tiers`. */
export interface MatchKeysFn {
  tiers: readonly MatchTier[];
  crm(item: CrmItem): readonly MatchKey[];
  remote(item: RemoteItem): readonly MatchKey[];
}

export interface MatchPair {
  crm: CrmItem;
  remote: RemoteItem;
  tier: MatchTier;
}

export interface AmbiguousMatch {
  side: 'crm' | 'remote';
  id: string;
  tier: MatchTier;
  /** Ids (CRM) or hrefs (remote) of the candidates on the other side. */
  candidates: string[];
}

export interface MatchResult {
  pairs: MatchPair[];
  ambiguous: AmbiguousMatch[];
  unmatchedCrm: CrmItem[];
  unmatchedRemote: RemoteItem[];
}

export function matchInitial(
  crmItems: readonly CrmItem[],
  remoteItems: readonly RemoteItem[],
  keysFn: MatchKeysFn,
): MatchResult {
  // Nothing to pair with on one side (the usual first sync into an empty target, or an import into
  // a CRM with nothing unlinked): no tier can make a pair or find an ambiguity, so skip building
  // the keys of every item (issue 4 item 6).
  if (crmItems.length === 0 || remoteItems.length === 0) {
    return { pairs: [], ambiguous: [], unmatchedCrm: [...crmItems], unmatchedRemote: [...remoteItems] };
  }
  const crmKeys = new Map<Id, readonly MatchKey[]>(crmItems.map((c) => [c.id, keysFn.crm(c)]));
  const remoteKeys = new Map<string, readonly MatchKey[]>(remoteItems.map((r) => [r.href, keysFn.remote(r)]));
  const crmDone = new Set<Id>();
  const remoteDone = new Set<string>();
  const pairs: MatchPair[] = [];
  const ambiguous: AmbiguousMatch[] = [];

  for (const tier of keysFn.tiers) {
    const openCrm = crmItems.filter((c) => !crmDone.has(c.id));
    const openRemote = remoteItems.filter((r) => !remoteDone.has(r.href));
    const remoteByValue = new Map<string, RemoteItem[]>();
    for (const r of openRemote) {
      for (const v of valuesOf(remoteKeys.get(r.href), tier)) push(remoteByValue, v, r);
    }
    const crmByValue = new Map<string, CrmItem[]>();
    for (const c of openCrm) {
      for (const v of valuesOf(crmKeys.get(c.id), tier)) push(crmByValue, v, c);
    }
    // Candidates per item in this tier (over all its key values).
    const crmCandidates = new Map<Id, Set<string>>();
    for (const c of openCrm) {
      const hrefs = new Set<string>();
      for (const v of valuesOf(crmKeys.get(c.id), tier)) for (const r of remoteByValue.get(v) ?? []) hrefs.add(r.href);
      if (hrefs.size > 0) crmCandidates.set(c.id, hrefs);
    }
    const remoteCandidates = new Map<string, Set<Id>>();
    for (const r of openRemote) {
      const ids = new Set<Id>();
      for (const v of valuesOf(remoteKeys.get(r.href), tier)) for (const c of crmByValue.get(v) ?? []) ids.add(c.id);
      if (ids.size > 0) remoteCandidates.set(r.href, ids);
    }
    const remoteByHref = new Map(openRemote.map((r) => [r.href, r]));
    for (const c of openCrm) {
      const hrefs = crmCandidates.get(c.id);
      if (!hrefs) continue;
      if (hrefs.size > 1) {
        ambiguous.push({ side: 'crm', id: c.id, tier, candidates: [...hrefs].sort() });
        crmDone.add(c.id);
        continue;
      }
      const [href] = [...hrefs] as [string];
      const back = remoteCandidates.get(href);
      const r = remoteByHref.get(href);
      if (r && back && back.size === 1) {
        pairs.push({ crm: c, remote: r, tier });
        crmDone.add(c.id);
        remoteDone.add(href);
      }
    }
    for (const r of openRemote) {
      const ids = remoteCandidates.get(r.href);
      if (ids && ids.size > 1 && !remoteDone.has(r.href)) {
        ambiguous.push({ side: 'remote', id: r.href, tier, candidates: [...ids].sort() });
        remoteDone.add(r.href);
      }
    }
    // A CRM record whose single candidate is claimed by several records is ambiguous as well.
    for (const c of openCrm) {
      const hrefs = crmCandidates.get(c.id);
      if (crmDone.has(c.id) || !hrefs) continue;
      ambiguous.push({ side: 'crm', id: c.id, tier, candidates: [...hrefs].sort() });
      crmDone.add(c.id);
    }
  }
  const ambiguousCrm = new Set(ambiguous.filter((a) => a.side === 'crm').map((a) => a.id));
  const ambiguousRemote = new Set(ambiguous.filter((a) => a.side === 'remote').map((a) => a.id));
  const pairedCrm = new Set(pairs.map((p) => p.crm.id));
  const pairedRemote = new Set(pairs.map((p) => p.remote.href));
  return {
    pairs,
    ambiguous,
    unmatchedCrm: crmItems.filter((c) => !pairedCrm.has(c.id) && !ambiguousCrm.has(c.id)),
    unmatchedRemote: remoteItems.filter((r) => !pairedRemote.has(r.href) && !ambiguousRemote.has(r.href)),
  };
}

function valuesOf(keys: readonly MatchKey[] | undefined, tier: MatchTier): string[] {
  return [...new Set((keys ?? []).filter((k) => k.tier === tier && k.value !== '').map((k) => k.value))];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

// ---------------------------------------------------------------------------------------------
// Default keys over the canonical field names used by the mapping layer.

/** Lower-case, accents removed, punctuation to spaces, white space collapsed. */
export function normaliseName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLocaleLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/**
 * Digits only, compared on the last 9 digits, so that "+41 44 123 45 67", "0041441234567" and
 * "044 123 45 67" meet. Numbers with fewer than 6 digits give no key.
 */
export function normalisePhone(s: string): string {
  const digits = s.replace(/\D+/g, '');
  return digits.length < 6 ? '' : digits.slice(-9);
}

export function normaliseEmail(s: string): string {
  return s.trim().toLowerCase();
}

/** Strings of a field that holds a string, a list of strings, or a list of `{ value }` objects. */
function valuesOfField(v: FieldValue | undefined): string[] {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const x of v as readonly FieldValue[]) {
    if (typeof x === 'string') out.push(x);
    else if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
      const value = (x as { readonly [k: string]: FieldValue })['value'];
      if (typeof value === 'string') out.push(value);
    }
  }
  return out;
}

function str(v: FieldValue | undefined): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** Start of an appointment: `timing.start` (epoch ms), `timing.startDate`, or a `start` field. */
function startOf(fields: Readonly<Record<string, FieldValue>>): string {
  const timing = fields['timing'];
  if (timing !== null && typeof timing === 'object' && !Array.isArray(timing)) {
    const t = timing as { readonly [k: string]: FieldValue };
    return str(t['start']) || str(t['startDate']);
  }
  return str(fields['start']);
}

function weakKeys(unit: Unit, fields: Readonly<Record<string, FieldValue>>): MatchKey[] {
  switch (unit) {
    case 'contacts': {
      const keys: MatchKey[] = [];
      for (const e of valuesOfField(fields['emails'])) keys.push({ tier: 'email', value: normaliseEmail(e) });
      for (const p of valuesOfField(fields['phones'])) keys.push({ tier: 'phone', value: normalisePhone(p) });
      const person = normaliseName(`${str(fields['givenName'])} ${str(fields['familyName'])}`);
      const name = person || normaliseName(str(fields['organization']));
      if (name) keys.push({ tier: 'name', value: `${name}|${normaliseName(str(fields['organization']))}` });
      return keys;
    }
    case 'calendar': {
      const title = normaliseName(str(fields['title']));
      const start = startOf(fields);
      return title && start ? [{ tier: 'title-start', value: `${title}|${start}` }] : [];
    }
    case 'tasks': {
      const title = normaliseName(str(fields['title']));
      return title ? [{ tier: 'title-due', value: `${title}|${str(fields['due'])}` }] : [];
    }
    default:
      return assertNever(unit);
  }
}

/** M1 key tiers per unit, strongest first. */
export function tiersFor(unit: Unit, strongOnly = false): MatchTier[] {
  if (strongOnly) return [...STRONG_TIERS];
  switch (unit) {
    case 'contacts':
      return ['crm-id', 'uid', 'email', 'phone', 'name'];
    case 'calendar':
      return ['crm-id', 'uid', 'title-start'];
    case 'tasks':
      return ['crm-id', 'uid', 'title-due'];
    default:
      return assertNever(unit);
  }
}

/** Default M1 keys for a unit over the canonical field names. */
export function defaultMatchKeys(unit: Unit, options: { strongOnly?: boolean } = {}): MatchKeysFn {
  return {
    tiers: tiersFor(unit, options.strongOnly ?? false),
    crm: (c) => [{ tier: 'crm-id', value: c.id }, { tier: 'uid', value: c.uid }, ...weakKeys(unit, c.fields)],
    remote: (r) => [
      ...(r.crmId ? [{ tier: 'crm-id' as const, value: r.crmId }] : []),
      { tier: 'uid', value: r.uid },
      ...weakKeys(unit, r.fields),
    ],
  };
}
