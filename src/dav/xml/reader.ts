// The one place request bytes become XML: a namespace-aware reader over saxes that builds an
// XmlElement tree under the safety rules of SPEC Standards ("XML parsed without DTDs or
// entities"):
//  - any DOCTYPE is refused, so no entity can be declared (billion laughs, XXE by construction);
//  - only the five predefined entities and numeric character references are expanded (saxes);
//  - nesting depth, element count and attribute size are bounded (limits are configuration);
//  - bytes must decode as UTF-8 or UTF-16 (with BOM), or a declared ISO-8859-1.
// Work is linear in the input: one pass, no backtracking, no re-reading.

import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { XmlElement } from './element.js';
import { DavBadRequest, XmlRejected } from './errors.js';

export interface XmlLimits {
  /** Deepest element nesting accepted; the root is depth 1. */
  readonly maxDepth: number;
  /** Most elements accepted in one body. */
  readonly maxElements: number;
  /** Longest attribute value accepted, in UTF-16 code units. */
  readonly maxAttributeLength: number;
  /** Most attributes (namespace declarations included) on one element. */
  readonly maxAttributes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 32, maxElements: 50_000, maxAttributeLength: 8_192, maxAttributes: 100 };

const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';

interface Building {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: Building[];
  text: string;
  tail?: string;
}

/** Reader state of one open element. */
interface Frame {
  readonly el: Building;
  /** Non-whitespace character data seen directly inside: the content is mixed, keep it all. */
  mixed: boolean;
  /** Character data after child i, attached to the children only if the content is mixed. */
  tails: string[] | null;
}

/**
 * Reads a request body into its root element, or `null` when the body is empty (only
 * whitespace), which several methods give a meaning of its own (RFC 4918 §9.1: PROPFIND).
 */
export function readXml(body: string | Uint8Array, limits: Partial<XmlLimits> = {}): XmlElement | null {
  const lim: XmlLimits = { ...DEFAULT_XML_LIMITS, ...limits };
  const text = typeof body === 'string' ? stripBom(body) : decodeBody(body);
  if (isBlank(text)) return null;

  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: Frame[] = [];
  let root: Building | null = null;
  let elements = 0;

  parser.on('doctype', () => {
    throw new XmlRejected('doctype', 'DOCTYPE declarations are not accepted');
  });
  parser.on('error', (err) => {
    throw toXmlError(err);
  });
  // Attributes are checked as they are read, before saxes resolves namespaces over all of them.
  let attributes = 0;
  parser.on('opentagstart', () => {
    attributes = 0;
  });
  parser.on('attribute', (a) => {
    if (++attributes > lim.maxAttributes) {
      throw new XmlRejected('attribute-count', `XML element has more than ${lim.maxAttributes} attributes`);
    }
    if (a.value.length > lim.maxAttributeLength) {
      throw new XmlRejected('attribute-size', `XML attribute ${a.name} is longer than ${lim.maxAttributeLength} characters`);
    }
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (stack.length + 1 > lim.maxDepth) {
      throw new XmlRejected('depth', `XML nested deeper than ${lim.maxDepth} elements`);
    }
    if (++elements > lim.maxElements) {
      throw new XmlRejected('element-count', `XML has more than ${lim.maxElements} elements`);
    }
    const el: Building = { ns: tag.uri, name: tag.local, attrs: {}, children: [], text: '' };
    for (const key in tag.attributes) {
      const a = tag.attributes[key]!;
      if (a.prefix === 'xmlns' || a.name === 'xmlns' || a.uri === XMLNS_URI) continue;
      const attrKey = a.uri ? `{${a.uri}}${a.local}` : a.local;
      if (attrKey === '__proto__') continue;
      el.attrs[attrKey] = a.value;
    }
    const parent = stack[stack.length - 1];
    if (parent) parent.el.children.push(el);
    else root = el;
    stack.push({ el, mixed: false, tails: null });
  });
  parser.on('closetag', () => {
    const frame = stack.pop();
    if (frame) finish(frame);
  });
  const onText = (data: string): void => {
    const frame = stack[stack.length - 1];
    if (!frame) return; // whitespace around the root; anything else saxes reports as an error
    if (!frame.mixed && !isBlank(data)) frame.mixed = true;
    const n = frame.el.children.length;
    if (n === 0) {
      frame.el.text += data;
      return;
    }
    frame.tails ??= [];
    frame.tails[n - 1] = (frame.tails[n - 1] ?? '') + data;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  parser.write(text).close();
  if (!root) throw new DavBadRequest('XML body has no root element');
  return root;
}

/** Drops the indentation between child elements unless the content is mixed. */
function finish(frame: Frame): void {
  const { el, tails } = frame;
  if (el.children.length === 0) return;
  if (!frame.mixed) {
    el.text = '';
    return;
  }
  if (tails) {
    tails.forEach((tail, i) => {
      const child = el.children[i];
      if (child && tail) child.tail = tail;
    });
  }
}

function toXmlError(err: Error): DavBadRequest {
  if (/undefined entity/.test(err.message)) {
    return new XmlRejected('entity', `only the predefined XML entities are accepted: ${err.message}`);
  }
  return new DavBadRequest(`malformed XML: ${err.message}`);
}

function isBlank(s: string): boolean {
  return /^[\s]*$/.test(s);
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** RFC 4918 §8.2 / XML 1.0 §4.3.3: UTF-8 and UTF-16 must be understood; a BOM decides UTF-16. */
function decodeBody(bytes: Uint8Array): string {
  try {
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be', { fatal: true }).decode(bytes);
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le', { fatal: true }).decode(bytes);
    const declared = declaredEncoding(bytes);
    if (declared === undefined || /^(utf-?8|us-ascii|ascii)$/.test(declared)) return UTF8.decode(bytes);
    if (/^(iso-8859-1|latin-?1)$/.test(declared)) return new TextDecoder('latin1').decode(bytes);
    throw new XmlRejected('encoding', `XML encoding ${declared} is not supported; send UTF-8`);
  } catch (e) {
    if (e instanceof XmlRejected) throw e;
    throw new XmlRejected('encoding', 'request body is not valid UTF-8');
  }
}

/** The encoding named by an XML declaration at the start of the bytes, lower-cased. */
function declaredEncoding(bytes: Uint8Array): string | undefined {
  if (!(bytes[0] === 0x3c && bytes[1] === 0x3f)) return undefined; // "<?"
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 200)).toString('latin1');
  const end = head.indexOf('?>');
  const decl = end < 0 ? head : head.slice(0, end);
  const m = /^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(decl);
  return m?.[1]?.toLowerCase();
}
