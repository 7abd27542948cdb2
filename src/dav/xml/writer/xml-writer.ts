// A string-building XML writer, no DOM. It appends to one string: V8 keeps `+=` results as
// ropes and flattens once. Tag strings are computed once per document and name, so that the
// thousands of `<d:href>` of a large PROPFIND allocate nothing but their content.
// Namespace declarations are collected while writing and put on the root element at the end.

import type { XmlElement } from '../element.js';
import type { QName } from '../names.js';
import { escapeAttr, escapeText } from './escape.js';
import { NamespaceScope } from './namespaces.js';

interface TagStrings {
  readonly name: string;
  readonly open: string;
  readonly close: string;
  readonly empty: string;
}

export class XmlWriter {
  private out = '';
  private readonly scope = new NamespaceScope();
  private readonly tags = new Map<string, Map<string, TagStrings>>();

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
      t = { name, open: `<${name}>`, close: `</${name}>`, empty: `<${name}/>` };
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
    let hasAttrs = false;
    if (attrs) {
      for (const key in attrs) {
        if (!hasAttrs) this.out += `<${t.name}`;
        hasAttrs = true;
        this.out += ` ${this.attrName(key)}="${escapeAttr(attrs[key]!)}"`;
      }
    }
    if (!content) {
      this.out += hasAttrs ? '/>' : t.empty;
      return;
    }
    this.out += hasAttrs ? '>' : t.open;
    content();
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

  private attrName(key: string): string {
    if (!key.startsWith('{')) return key;
    const close = key.indexOf('}');
    return this.tag({ ns: key.slice(1, close), name: key.slice(close + 1) });
  }
}
