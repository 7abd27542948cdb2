// The one place request bytes become XML: a namespace-aware reader that builds an XmlElement
// tree under the safety rules of SPEC Standards ("XML parsed without DTDs or entities"). Plain
// documents (plainReader.ts) are read by a small reader of our own that only ever accepts;
// everything else, and every refusal, goes through saxes:
//  - any DOCTYPE is refused, so no entity can be declared (billion laughs, XXE by construction);
//  - only the five predefined entities and numeric character references are expanded (saxes);
//  - nesting depth, element count and attribute size are bounded (limits are configuration);
//  - bytes must decode as UTF-8 or UTF-16 (with BOM), or a declared ISO-8859-1.
// Work is linear in the input: at most two passes (the plain reader gives up, saxes reads),
// no backtracking.

import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { XmlElement } from './element.js';
import { DavBadRequest, XmlRejected } from './errors.js';
import { readPlainXml } from './plainReader.js';
import { isBlank, TreeBuilder } from './tree.js';

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

/**
 * Reads a request body into its root element, or `null` when the body is empty (only
 * whitespace), which several methods give a meaning of its own (RFC 4918 §9.1: PROPFIND).
 * Plain documents are read by plainReader.ts; everything else, and every refusal, by saxes.
 */
export function readXml(body: string | Uint8Array, limits: Partial<XmlLimits> = {}): XmlElement | null {
  const lim: XmlLimits = { ...DEFAULT_XML_LIMITS, ...limits };
  const text = typeof body === 'string' ? stripBom(body) : decodeBody(body);
  if (isBlank(text)) return null;
  return readPlainXml(text, lim) ?? readWithSaxes(text, lim);
}

/** The complete reader: any XML 1.0 document saxes accepts, under the safety rules above. */
export function readWithSaxes(text: string, lim: XmlLimits): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const tree = new TreeBuilder();
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
    if (tree.depth + 1 > lim.maxDepth) {
      throw new XmlRejected('depth', `XML nested deeper than ${lim.maxDepth} elements`);
    }
    if (++elements > lim.maxElements) {
      throw new XmlRejected('element-count', `XML has more than ${lim.maxElements} elements`);
    }
    const attrs: Record<string, string> = {};
    for (const key in tag.attributes) {
      const a = tag.attributes[key]!;
      if (a.prefix === 'xmlns' || a.name === 'xmlns' || a.uri === XMLNS_URI) continue;
      const attrKey = a.uri ? `{${a.uri}}${a.local}` : a.local;
      if (attrKey === '__proto__') continue;
      attrs[attrKey] = a.value;
    }
    tree.open(tag.uri, tag.local, attrs);
  });
  parser.on('closetag', () => tree.close());
  // Whitespace around the root is ignored by the tree; anything else saxes reports as an error.
  parser.on('text', (data) => tree.text(data));
  parser.on('cdata', (data) => tree.text(data));

  parser.write(text).close();
  if (!tree.root) throw new DavBadRequest('XML body has no root element');
  return tree.root;
}

function toXmlError(err: Error): DavBadRequest {
  if (/undefined entity/.test(err.message)) {
    return new XmlRejected('entity', `only the predefined XML entities are accepted: ${err.message}`);
  }
  return new DavBadRequest(`malformed XML: ${err.message}`);
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
