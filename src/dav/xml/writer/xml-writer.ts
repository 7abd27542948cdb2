// A string-building XML writer, no DOM. It appends to one string: V8 keeps `+=` results as
// ropes and flattens once. Tag strings are computed once per document and name, so that the
// thousands of `<d:href>` of a large PROPFIND allocate nothing but their content.
// Namespace declarations are collected while writing and put on the root element at the end,
// or, for a streamed document whose root is already sent (`sealed`), fixed up front: the fixed
// prefixes on the root, any other namespace declared on each element that uses it, so every
// fragment the writer produces stands on its own (and can be cached and reused).

import type { XmlElement } from '../element.js';
import type { QName } from '../names.js';
import { escapeAttr, escapeText } from './escape.js';
import { NamespaceScope } from './namespaces.js';

interface TagStrings {
  readonly name: string;
  /** ` xmlns:x0="…"` on an element of an undeclared namespace in a sealed writer, else ''. */
  readonly decl: string;
  readonly open: string;
  readonly close: string;
  readonly empty: string;
}

export class XmlWriter {
  private out = '';
  private readonly scope: NamespaceScope;
  private readonly tags = new Map<string, Map<string, TagStrings>>();
  /** Sealed writer: the local declarations of the elements now open. */
  private readonly declaredHere = new Set<string>();

  /** `sealed`: the root declares exactly the fixed prefixes (see `rootStart`). */
  constructor(private readonly sealed = false) {
    this.scope = new NamespaceScope(sealed);
  }

  private strings(q: QName): TagStrings {
    let byName = this.tags.get(q.ns);
    if (byName === undefined) {
      byName = new Map();
      this.tags.set(q.ns, byName);
    }
    let t = byName.get(q.name);
    if (t === undefined) {
      const p = this.scope.prefix(q.ns);
      const name = p === '' ? q.name : `${p}:${q.name}`;
      const decl = this.localDeclaration(q.ns, p);
      t = { name, decl, open: `<${name}${decl}>`, close: `</${name}>`, empty: `<${name}${decl}/>` };
      byName.set(q.name, t);
    }
    return t;
  }

  /** The prefixed name of `q` in this document, declaring its namespace. */
  tag(q: QName): string {
    return this.strings(q).name;
  }

  open(q: QName): void {
    this.out += this.strings(q).open;
  }

  close(q: QName): void {
    this.out += this.strings(q).close;
  }

  empty(q: QName): void {
    this.out += this.strings(q).empty;
  }

  /** An element holding text only. */
  leaf(q: QName, text: string): void {
    const t = this.strings(q);
    this.out += t.open;
    this.out += escapeText(text);
    this.out += t.close;
  }

  /** Markup this writer produced (tags from `tag`/`startTag`). */
  raw(s: string): void {
    this.out += s;
  }

  text(s: string): void {
    this.out += escapeText(s);
  }

  /** An element with attributes (keys in Clark notation) and a content writer; empty when none. */
  withAttrs(q: QName, attrs: Readonly<Record<string, string>> | undefined, content?: () => void): void {
    const t = this.strings(q);
    // Sealed writer: declare the element's namespace unless an enclosing element already did.
    const declares = t.decl !== '' && !this.declaredHere.has(t.decl);
    let hasAttrs = false;
    if (attrs) {
      for (const key in attrs) {
        if (!hasAttrs) this.out += `<${t.name}${declares ? t.decl : ''}`;
        hasAttrs = true;
        this.out += ` ${this.attrName(key, t.decl)}="${escapeAttr(attrs[key]!)}"`;
      }
    }
    if (!content) {
      this.out += hasAttrs ? '/>' : declares || t.decl === '' ? t.empty : `<${t.name}/>`;
      return;
    }
    this.out += hasAttrs ? '>' : declares || t.decl === '' ? t.open : `<${t.name}>`;
    if (declares) this.declaredHere.add(t.decl);
    content();
    if (declares) this.declaredHere.delete(t.decl);
    this.out += t.close;
  }

  /** An element tree, written under `name` when given (a dead property stored under its own name). */
  element(el: XmlElement, name: QName = el): void {
    const leafOnly = el.children.length === 0 && el.text === '';
    this.withAttrs(name, el.attrs, leafOnly ? undefined : () => {
      this.out += escapeText(el.text);
      for (const child of el.children) {
        this.element(child);
        if (child.tail) this.out += escapeText(child.tail);
      }
    });
  }

  /** `<?xml?>` + root start tag with every namespace used + the body + root end tag. */
  document(root: QName, body: (w: XmlWriter) => void): string {
    const t = this.strings(root);
    body(this);
    return `<?xml version="1.0" encoding="utf-8"?>\n<${t.name}${this.scope.declarations(escapeAttr)}>${this.out}${t.close}`;
  }

  /** Sealed writer: `<?xml?>` + the root start tag declaring the fixed prefixes. */
  rootStart(root: QName): string {
    return `<?xml version="1.0" encoding="utf-8"?>\n<${this.strings(root).name}${this.scope.declarations(escapeAttr)}>`;
  }

  rootEnd(root: QName): string {
    return this.strings(root).close;
  }

  /** What was written since the last call (sealed writer: one self-contained fragment). */
  take(): string {
    const s = this.out;
    this.out = '';
    return s;
  }

  private localDeclaration(ns: string, prefix: string): string {
    return this.sealed && prefix !== '' && prefix !== 'xml' && !this.scope.onRoot(ns) ? ` xmlns:${prefix}="${escapeAttr(ns)}"` : '';
  }

  /**
   * An attribute's prefixed name. In a sealed writer a namespace not declared by the element
   * (`elementDecl`) or an enclosing one is declared in the same start tag.
   */
  private attrName(key: string, elementDecl: string): string {
    if (!key.startsWith('{')) return key;
    const close = key.indexOf('}');
    const t = this.strings({ ns: key.slice(1, close), name: key.slice(close + 1) });
    if (t.decl === '' || t.decl === elementDecl || this.declaredHere.has(t.decl)) return t.name;
    return `${t.decl.slice(1)} ${t.name}`;
  }
}
