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

/**
 * Prefixes used by one document; every one is declared on the root element. A sealed scope
 * (streamed documents) declares the fixed prefixes on the root up front; other namespaces get
 * generated prefixes that the writer declares where they are used.
 */
export class NamespaceScope {
  private readonly used = new Map<string, string>();
  private readonly root: ReadonlyMap<string, string>;
  private generated = 0;

  constructor(sealed = false) {
    if (sealed) for (const [ns, p] of FIXED_PREFIXES) this.used.set(ns, p);
    this.root = sealed ? FIXED_PREFIXES : this.used;
  }

  /** Whether `ns` is declared on the root element. */
  onRoot(ns: string): boolean {
    return this.root.has(ns);
  }

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
    for (const [ns, p] of this.root) parts.push(` xmlns:${p}="${escape(ns)}"`);
    return parts.join('');
  }
}
