// A string-building XML writer: parts pushed onto an array and joined once, no DOM.
// Namespace declarations are collected while writing and put on the root element at the end.

import type { XmlElement } from '../element.js';
import type { QName } from '../names.js';
import { escapeAttr, escapeText } from './escape.js';
import { NamespaceScope } from './namespaces.js';

export class XmlWriter {
  private readonly parts: string[] = [];
  private readonly scope = new NamespaceScope();

  tag(q: QName): string {
    const p = this.scope.prefix(q.ns);
    return p === '' ? q.name : `${p}:${q.name}`;
  }

  open(q: QName): void {
    this.parts.push(`<${this.tag(q)}>`);
  }

  close(q: QName): void {
    this.parts.push(`</${this.tag(q)}>`);
  }

  empty(q: QName): void {
    this.parts.push(`<${this.tag(q)}/>`);
  }

  /** An element holding text only. */
  leaf(q: QName, text: string): void {
    const t = this.tag(q);
    this.parts.push(`<${t}>`, escapeText(text), `</${t}>`);
  }

  /** Markup this writer produced (tags from `tag`/`startTag`). */
  raw(s: string): void {
    this.parts.push(s);
  }

  text(s: string): void {
    this.parts.push(escapeText(s));
  }

  /** `<p:name a="v"` — a start tag without its closing `>`; attribute keys in Clark notation. */
  startTag(q: QName, attrs: Readonly<Record<string, string>> | undefined): string {
    let head = `<${this.tag(q)}`;
    if (attrs) for (const key in attrs) head += ` ${this.attrName(key)}="${escapeAttr(attrs[key]!)}"`;
    return head;
  }

  /** An element tree, written under `name` when given (a dead property stored under its own name). */
  element(el: XmlElement, name: QName = el): void {
    const t = this.tag(name);
    const head = this.startTag(name, el.attrs);
    if (el.children.length === 0 && el.text === '') {
      this.parts.push(`${head}/>`);
      return;
    }
    this.parts.push(`${head}>`, escapeText(el.text));
    for (const child of el.children) {
      this.element(child);
      if (child.tail) this.parts.push(escapeText(child.tail));
    }
    this.parts.push(`</${t}>`);
  }

  /** `<?xml?>` + root start tag with every namespace used + the body + root end tag. */
  document(root: QName, body: (w: XmlWriter) => void): string {
    const tag = this.tag(root);
    body(this);
    return `<?xml version="1.0" encoding="utf-8"?>\n<${tag}${this.scope.declarations(escapeAttr)}>${this.parts.join('')}</${tag}>`;
  }

  private attrName(key: string): string {
    if (!key.startsWith('{')) return key;
    const close = key.indexOf('}');
    return this.tag({ ns: key.slice(1, close), name: key.slice(close + 1) });
  }
}
