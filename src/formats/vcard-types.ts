// TYPE parameters and Apple labels ↔ CRM phone/e-mail/address types (RFC 6350 §5.6, RFC 2426 §3.2.1,
// §3.3.1, §3.3.2). Mapping table: docs/mapping.md "Typed values".
import type { AddressType, EmailType, PhoneType } from '../domain/records.js';

type Version = '3.0' | '4.0';

/** Apple stores a custom or standard label for grouped values as `itemN.X-ABLabel:_$!<Name>!$_`. */
const APPLE_LABELS: Record<string, PhoneType> = {
  work: 'business', home: 'private', mobile: 'mobile', iphone: 'mobile',
  workfax: 'fax', homefax: 'fax', otherfax: 'fax', other: 'other', main: 'other', pager: 'other',
};

export function appleLabelType(label: string | null): PhoneType | null {
  const m = label ? /^_\$!<(.+)>!\$_$/.exec(label) : null;
  return m ? APPLE_LABELS[m[1]!.toLowerCase()] ?? null : null;
}

/** Lower-cased TYPE values; an array, as there are rarely more than three. */
const lower = (types: readonly string[]) => {
  const out: string[] = [];
  for (const t of types) out.push(t.toLowerCase());
  return out;
};

export function phoneTypeOf(types: readonly string[], label: string | null): PhoneType {
  const t = lower(types);
  if (t.includes('fax')) return 'fax';
  if (t.includes('cell') || t.includes('iphone')) return 'mobile';
  if (t.includes('work')) return 'business';
  if (t.includes('home')) return 'private';
  return appleLabelType(label) ?? 'other';
}

export function emailTypeOf(types: readonly string[], label: string | null): EmailType {
  const t = lower(types);
  if (t.includes('work')) return 'business';
  if (t.includes('home')) return 'private';
  const fromLabel = appleLabelType(label);
  return fromLabel === 'business' || fromLabel === 'private' ? fromLabel : 'other';
}

export const addressTypeOf = emailTypeOf as (types: readonly string[], label: string | null) => AddressType;

export const isPreferred = (types: readonly string[], pref: string | null) =>
  lower(types).includes('pref') || (pref !== null && pref.trim() !== '');

const PHONE_TYPES_OUT: Record<PhoneType, string[]> = {
  business: ['WORK', 'VOICE'], private: ['HOME', 'VOICE'], mobile: ['CELL', 'VOICE'], fax: ['FAX'], other: ['VOICE'],
};
const SIMPLE_TYPES_OUT: Record<EmailType, string[]> = { business: ['WORK'], private: ['HOME'], other: [] };

/**
 * TYPE (and PREF) parameters for a rendered TEL/EMAIL/ADR. vCard 3 lists values upper-case with
 * "pref" as a TYPE value and INTERNET on e-mails (RFC 2426); vCard 4 uses lower-case values and
 * PREF=1 (RFC 6350 §5.3).
 */
export function typeParams(
  version: Version, kind: 'tel' | 'email' | 'adr', type: PhoneType, preferred: boolean,
): Array<[string, string]> {
  let types = kind === 'tel' ? PHONE_TYPES_OUT[type] : SIMPLE_TYPES_OUT[type as EmailType];
  if (version === '3.0') {
    if (kind === 'email') types = ['INTERNET', ...types];
    if (preferred) types = [...types, 'pref'];
    return types.length ? [['TYPE', types.join(',')]] : [];
  }
  const params: Array<[string, string]> = types.length ? [['TYPE', types.map((t) => t.toLowerCase()).join(',')]] : [];
  if (preferred) params.push(['PREF', '1']);
  return params;
}
