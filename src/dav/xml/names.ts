// Namespaces and qualified names of the DAV protocol layer.
// A property or element is identified by its namespace URI and local name (RFC 4918 §4.5,
// Namespaces in XML 1.0); prefixes are never significant.

export const NS = {
  DAV: 'DAV:',
  CALDAV: 'urn:ietf:params:xml:ns:caldav',
  CARDDAV: 'urn:ietf:params:xml:ns:carddav',
  CALSERVER: 'http://calendarserver.org/ns/',
  APPLE_ICAL: 'http://apple.com/ns/ical/',
  CRMSYNC: 'urn:crmsync:dav',
  XML: 'http://www.w3.org/XML/1998/namespace',
} as const;

/** A namespace-qualified XML name. `ns` is '' for elements in no namespace. */
export interface QName {
  readonly ns: string;
  readonly name: string;
}

/** Canonical map key of a qualified name in Clark notation: `{DAV:}getetag` (`name` alone when ns is ''). */
export function qkey(q: QName): string {
  return q.ns === '' ? q.name : `{${q.ns}}${q.name}`;
}

/** Inverse of {@link qkey}. */
export function parseQkey(key: string): QName {
  if (key.startsWith('{')) {
    const close = key.indexOf('}');
    if (close > 0) return { ns: key.slice(1, close), name: key.slice(close + 1) };
  }
  return { ns: '', name: key };
}

export const qname = (ns: string, name: string): QName => ({ ns, name });
export const dav = (name: string): QName => ({ ns: NS.DAV, name });
export const caldav = (name: string): QName => ({ ns: NS.CALDAV, name });
export const carddav = (name: string): QName => ({ ns: NS.CARDDAV, name });

export function sameName(a: QName, b: QName): boolean {
  return a.name === b.name && a.ns === b.ns;
}
