// The repeatable typed values of a vCard — TEL, EMAIL, ADR, URL (RFC 6350 §6.3.1, §6.4.1–2, §6.7.8;
// RFC 2426 §3.2.1, §3.3.1–2, §3.6.8) — read into CRM entries. Shared by the parser and by the
// renderer, which re-reads Apple label groups kept in extras to find the entry they belong to.
import { EMAIL_TYPES, PHONE_TYPES, type Email, type Phone, type PhoneType, type PostalAddress } from '../domain/records.js';
import { decodeVCard, escapeText, formatLine, paramFirst, paramList, rawValue, type ContentLine, type DecodedProperty, type VCardDesign } from './contentline.js';
import { addressTypeOf, emailTypeOf, isPreferred, phoneTypeOf, typeParams } from './vcard-types.js';

export type Entry =
  | { kind: 'tel'; value: Phone }
  | { kind: 'email'; value: Email }
  | { kind: 'adr'; value: PostalAddress }
  | { kind: 'url'; value: string };

export const ENTRY_PROPERTIES = new Set(['TEL', 'EMAIL', 'ADR', 'URL']);

/** Text of a single-valued text property; also undoes `\;` and `\:` that ical.js leaves (Apple writes `http\://`). */
export function textOf(prop: DecodedProperty): string {
  const v = prop.getFirstValue();
  const text = v === null || v === undefined ? '' : String(v);
  return text.indexOf('\\') === -1 ? text : text.replace(/\\([;:])/g, '$1');
}

/** Components of a structured value (N, ADR, ORG); a component with several values is joined. */
export function componentsOf(prop: DecodedProperty, joiner: string): string[] {
  const v: unknown = prop.getFirstValue();
  const list = Array.isArray(v) ? v : [v ?? ''];
  return list.map((c: unknown) => (Array.isArray(c) ? c.map(String).join(joiner) : String(c ?? '')));
}

/** `tel:+49…` → `+49…`, the scheme matched case-insensitively. */
function withoutScheme(value: string, scheme: string): string {
  return value.length >= scheme.length && value.slice(0, scheme.length).toLowerCase() === scheme ? value.slice(scheme.length) : value;
}

export function readEntry(cl: ContentLine, design: VCardDesign, label: string | null): Entry | null {
  if (!ENTRY_PROPERTIES.has(cl.name)) return null;
  const prop = decodeVCard(cl, design);
  const types = paramList(prop, 'type');
  const preferred = isPreferred(types, paramFirst(prop, 'pref'));
  switch (cl.name) {
    case 'TEL': {
      const phone: Phone = { type: phoneTypeOf(types, label), value: withoutScheme(textOf(prop), 'tel:') };
      if (preferred) phone.preferred = true;
      return { kind: 'tel', value: phone };
    }
    case 'EMAIL': {
      const email: Email = { type: emailTypeOf(types, label), value: withoutScheme(textOf(prop), 'mailto:') };
      if (preferred) email.preferred = true;
      return { kind: 'email', value: email };
    }
    case 'ADR': {
      const [poBox = '', extended = '', street = '', locality = '', region = '', postalCode = '', country = ''] =
        componentsOf(prop, ',');
      const adr: PostalAddress = { type: addressTypeOf(types, label), street, locality, region, postalCode, country };
      if (poBox) adr.poBox = poBox;
      if (extended) adr.extended = extended;
      return { kind: 'adr', value: adr };
    }
    default:
      return { kind: 'url', value: rawValue(cl.raw).replace(/\\([;:,])/g, '$1') };
  }
}

/** Stable identity of an entry, used to match a kept Apple group to the entry it labels. */
export function entryKey(e: Entry): string {
  switch (e.kind) {
    case 'tel':
    case 'email':
      return JSON.stringify([e.kind, e.value.type, e.value.value, e.value.preferred === true]);
    case 'adr': {
      const a = e.value;
      return JSON.stringify(['adr', a.type, a.poBox ?? '', a.extended ?? '', a.street, a.locality, a.region, a.postalCode, a.country]);
    }
    default:
      return JSON.stringify(['url', e.value]);
  }
}

/**
 * The line the renderer writes for an entry (unfolded): vCard 3 escapes ";" in text, vCard 4
 * only in compound values (RFC 2426 §5, RFC 6350 §3.4). The parser compares a device's line with
 * it to decide whether the device's spelling is worth keeping (vcard-originals.ts).
 */
export function entryLine(e: Entry, version: '3.0' | '4.0'): string {
  return `${entryHead(e, version)}:${entryValue(e, version)}`;
}

/** Name and parameters of an entry's line, e.g. `TEL;TYPE=CELL,VOICE` (a handful per version: a table). */
export function entryHead(e: Entry, version: '3.0' | '4.0'): string {
  if (e.kind === 'url') return 'URL';
  const preferred = e.kind !== 'adr' && e.value.preferred === true;
  const heads = HEADS[version][e.kind][e.value.type] ?? HEADS[version][e.kind].other!; // types are validated; "other" if not
  return heads[preferred ? 1 : 0];
}

type HeadTable = Record<'tel' | 'email' | 'adr', Record<string, [string, string]>>;
const HEADS: Record<'3.0' | '4.0', HeadTable> = { '3.0': headTable('3.0'), '4.0': headTable('4.0') };

function headTable(version: '3.0' | '4.0'): HeadTable {
  const head = (kind: 'tel' | 'email' | 'adr', type: PhoneType, preferred: boolean) =>
    formatLine(kind.toUpperCase(), typeParams(version, kind, type, preferred), '').slice(0, -1);
  const table = { tel: {}, email: {}, adr: {} } as HeadTable;
  for (const kind of ['tel', 'email', 'adr'] as const) {
    const types: readonly PhoneType[] = kind === 'tel' ? PHONE_TYPES : EMAIL_TYPES;
    for (const type of types) table[kind][type] = [head(kind, type, false), head(kind, type, true)];
  }
  return table;
}

/** The value of an entry's line, escaped. */
export function entryValue(e: Entry, version: '3.0' | '4.0'): string {
  switch (e.kind) {
    case 'adr': {
      const a = e.value;
      return [a.poBox ?? '', a.extended ?? '', a.street, a.locality, a.region, a.postalCode, a.country].map((p) => escapeText(p, true)).join(';');
    }
    case 'tel':
    case 'email':
      return escapeText(e.value.value, version === '3.0');
    default:
      return e.value;
  }
}
