// Namespace prefixes of serialised documents: fixed prefixes for the namespaces clients know
// (some clients match on them, whatever XML says), generated ones for any other.

import { NS } from '../names.js';

export const FIXED_PREFIXES: ReadonlyMap<string, string> = new Map([
  [NS.DAV, 'd'],
  [NS.CALDAV, 'cal'],
  [NS.CARDDAV, 'card'],
  [NS.CALSERVER, 'cs'],
  [NS.APPLE_ICAL, 'ical'],
  [NS.CRMSYNC, 'crmsync'],
]);

/** Prefixes used by one document; every one is declared on the root element. */
export class NamespaceScope {
  private readonly used = new Map<string, string>();
  private generated = 0;

  /** The prefix for `ns`; '' for no namespace (we never declare a default namespace). */
  prefix(ns: string): string {
    if (ns === '') return '';
    if (ns === NS.XML) return 'xml';
    let p = this.used.get(ns);
    if (p === undefined) {
      p = FIXED_PREFIXES.get(ns) ?? `x${this.generated++}`;
      this.used.set(ns, p);
    }
    return p;
  }

  /** ` xmlns:p="uri"` for every namespace used, DAV: first. */
  declarations(escape: (s: string) => string): string {
    const parts: string[] = [];
    for (const [ns, p] of this.used) parts.push(` xmlns:${p}="${escape(ns)}"`);
    return parts.join('');
  }
}
