// The repeatable typed values of a vCard — TEL, EMAIL, ADR, URL (RFC 6350 §6.3.1, §6.4.1–2, §6.7.8;
// RFC 2426 §3.2.1, §3.3.1–2, §3.6.8) — read into CRM entries. Shared by the parser and by the
// renderer, which re-reads Apple label groups kept in extras to find the entry they belong to.
import type { Email, Phone, PostalAddress } from '../domain/records.js';
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
  return (v === null || v === undefined ? '' : String(v)).replace(/\\([;:])/g, '$1');
}

/** Components of a structured value (N, ADR, ORG); a component with several values is joined. */
export function componentsOf(prop: DecodedProperty, joiner: string): string[] {
  const v: unknown = prop.getFirstValue();
  const list = Array.isArray(v) ? v : [v ?? ''];
  return list.map((c: unknown) => (Array.isArray(c) ? c.map(String).join(joiner) : String(c ?? '')));
}

function withPreferred<T extends object>(value: T, preferred: boolean): T & { preferred?: boolean } {
  return preferred ? { ...value, preferred: true } : value;
}

export function readEntry(cl: ContentLine, design: VCardDesign, label: string | null): Entry | null {
  if (!ENTRY_PROPERTIES.has(cl.name)) return null;
  const prop = decodeVCard(cl, design);
  const types = paramList(prop, 'type');
  const preferred = isPreferred(types, paramFirst(prop, 'pref'));
  switch (cl.name) {
    case 'TEL': {
      const value = textOf(prop).replace(/^tel:/i, '');
      return { kind: 'tel', value: withPreferred({ type: phoneTypeOf(types, label), value }, preferred) };
    }
    case 'EMAIL': {
      const value = textOf(prop).replace(/^mailto:/i, '');
      return { kind: 'email', value: withPreferred({ type: emailTypeOf(types, label), value }, preferred) };
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
  const v3 = version === '3.0';
  switch (e.kind) {
    case 'adr': {
      const a = e.value;
      const parts = [a.poBox ?? '', a.extended ?? '', a.street, a.locality, a.region, a.postalCode, a.country];
      return formatLine('ADR', typeParams(version, 'adr', a.type, false), parts.map((p) => escapeText(p, true)).join(';'));
    }
    case 'tel':
    case 'email':
      return formatLine(e.kind.toUpperCase(), typeParams(version, e.kind, e.value.type, e.value.preferred === true), escapeText(e.value.value, v3));
    default:
      return formatLine('URL', [], e.value);
  }
}
