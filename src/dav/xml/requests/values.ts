// Property values as sent in PROPPATCH DAV:set and in MKCOL/MKCALENDAR bodies. A value is kept
// as its element (RFC 4918 §4.3–4.4), with an xml:lang inherited from an ancestor made explicit.

import type { XmlElement } from '../element.js';
import { NS, type QName } from '../names.js';

export const XML_LANG = `{${NS.XML}}lang`;

/** The properties inside one DAV:prop, `ancestors` being its enclosing elements nearest first. */
export function propertyValues(prop: XmlElement, ancestors: readonly XmlElement[]): { prop: QName; value: XmlElement }[] {
  let lang = prop.attrs[XML_LANG];
  for (const a of ancestors) lang ??= a.attrs[XML_LANG];
  return prop.children.map((value) => ({ prop: { ns: value.ns, name: value.name }, value: withLang(value, lang) }));
}

function withLang(value: XmlElement, lang: string | undefined): XmlElement {
  if (lang === undefined || value.attrs[XML_LANG] !== undefined) return value;
  return { ...value, attrs: { ...value.attrs, [XML_LANG]: lang } };
}

export const isDav = (el: XmlElement, name: string): boolean => el.ns === NS.DAV && el.name === name;
