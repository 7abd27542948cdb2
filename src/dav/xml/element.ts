// The small element tree that request bodies are read into, and that dead properties are
// stored as (RFC 4918 §4.3–4.4: a property value is an XML fragment whose element children,
// attributes, character data and their order must survive a PROPPATCH/PROPFIND round trip).
//
// Character data follows the ElementTree model: `text` is the data before the first child
// (for a leaf, all of it) and `tail` the data after an element, before its next sibling.
// Whitespace-only data between child elements is not kept (it is indentation, not content).

import type { QName } from './names.js';

export interface XmlElement {
  readonly ns: string;
  readonly name: string;
  /** Attribute values by Clark key: `lang` for no namespace, `{http://www.w3.org/XML/1998/namespace}lang`. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
  /** Character data following this element inside its parent; only present for mixed content. */
  readonly tail?: string;
}

/** Builds an element; for responses and tests. */
export function xmlElement(
  q: QName,
  content: { attrs?: Record<string, string>; children?: readonly XmlElement[]; text?: string } = {},
): XmlElement {
  return { ns: q.ns, name: q.name, attrs: content.attrs ?? {}, children: content.children ?? [], text: content.text ?? '' };
}

export const isElement = (el: XmlElement, q: QName): boolean => el.name === q.name && el.ns === q.ns;

export function childrenNamed(el: XmlElement, q: QName): XmlElement[] {
  return el.children.filter((c) => c.name === q.name && c.ns === q.ns);
}

export function firstChild(el: XmlElement, q: QName): XmlElement | undefined {
  return el.children.find((c) => c.name === q.name && c.ns === q.ns);
}

/** All character data of an element and its descendants, in document order. */
export function textContent(el: XmlElement): string {
  if (el.children.length === 0) return el.text;
  const parts: string[] = [el.text];
  for (const c of el.children) {
    parts.push(textContent(c));
    if (c.tail !== undefined) parts.push(c.tail);
  }
  return parts.join('');
}
