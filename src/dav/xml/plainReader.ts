// A reader for the plain subset of XML that DAV request bodies almost always are: elements
// with unprefixed attributes, namespace declarations, character data with the five predefined
// entities and character references, all in ASCII names. It exists for speed (issue 3 item 9):
// a 1,000-href addressbook-multiget (RFC 6352 §8.7) is ~90 KB of XML, which saxes (a complete,
// general XML parser) read in ~4-10 ms on the benchmark host, a third of the request; this
// reader takes ~0.3 ms (docs/architecture.md, "Request XML").
//
// It never refuses anything. It either returns the tree — only for a document it has checked
// to be well-formed and namespace-well-formed, under the limits — or `undefined`, and then
// reader.ts reads the body again with saxes, which decides and words every refusal. So the
// security rules stay where they were: a DOCTYPE, a comment, a CDATA section, a processing
// instruction, an entity other than the five predefined ones, a carriage return (line-end
// normalisation, XML 1.0 §2.11), a control character, a name or a character outside the plain
// ranges, a prefixed attribute (xml:lang), an undeclared prefix, a reserved namespace, and every
// limit (depth, elements, attributes) all send the body to saxes. The tree is built by the same
// TreeBuilder, and test/dav/xml/plain-reader.test.ts checks that both readers agree on random
// documents.
import type { XmlLimits } from './reader.js';
import { TreeBuilder, type Building } from './tree.js';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** XML 1.0 §2.8 XMLDecl, version 1.0 only (1.1 changes the character rules). */
const XML_DECL = /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.0"|'1\.0')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>/y;

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const EQ = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const AMP = 0x26;
const COLON = 0x3a;
const RSQB = 0x5d;

// ASCII character classes: bit 1 starts an NCName, bit 2 continues one, bit 4 is XML whitespace.
const NAME_START = 1;
const NAME_CHAR = 2;
const SPACE = 4;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) CLASS[c]! |= NAME_START | NAME_CHAR;
  if (/[0-9.-]/.test(ch)) CLASS[c]! |= NAME_CHAR;
  if (/[ \t\r\n]/.test(ch)) CLASS[c]! |= SPACE;
}
const is = (c: number, cls: number): boolean => c < 128 && (CLASS[c]! & cls) !== 0;

/** An open element: its name as written (the end tag must repeat it) and the scope outside it. */
interface Open {
  readonly qname: string;
  readonly outer: ReadonlyMap<string, string>;
}

const NO_BINDINGS: ReadonlyMap<string, string> = new Map();
/** The attributes of every element that has none (shared: element attributes are never written). */
const NO_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The root element of `s`, or `undefined` when `s` is not plain or not well-formed (see above). */
export function readPlainXml(s: string, lim: XmlLimits): Building | undefined {
  const n = s.length;
  let i = 0;
  if (s.startsWith('<?xml', 0)) {
    XML_DECL.lastIndex = 0;
    if (!XML_DECL.test(s)) return undefined;
    i = XML_DECL.lastIndex;
  }
  while (i < n && is(s.charCodeAt(i), SPACE)) i++;
  const tree = new TreeBuilder();
  const open: Open[] = [];
  /** Prefix → namespace in scope; '' is the default namespace. */
  let scope = NO_BINDINGS;
  let elements = 0;
  for (;;) {
    if (s.charCodeAt(i) !== LT) return undefined;
    if (s.charCodeAt(i + 1) === SLASH) {
      // End tag (XML 1.0 §3.1 ETag): the open element's name, optional whitespace, '>'.
      const top = open.pop();
      if (!top || !s.startsWith(top.qname, i + 2)) return undefined;
      let j = i + 2 + top.qname.length;
      while (j < n && is(s.charCodeAt(j), SPACE)) j++;
      if (s.charCodeAt(j) !== GT) return undefined;
      tree.close();
      scope = top.outer;
      i = j + 1;
    } else {
      // Start or empty-element tag (§3.1 STag, EmptyElemTag); '<!' and '<?' are not plain.
      const nameStart = i + 1;
      let j = qnameEnd(s, nameStart);
      if (j < 0) return undefined;
      const qname = s.slice(nameStart, j);
      let attrs: string[] | null = null; // name, value, name, value, ...; most elements have none
      let empty = false;
      for (;;) {
        const before = j;
        while (j < n && is(s.charCodeAt(j), SPACE)) j++;
        const c = s.charCodeAt(j);
        if (c === GT) { j++; break; }
        if (c === SLASH) {
          if (s.charCodeAt(j + 1) !== GT) return undefined;
          empty = true;
          j += 2;
          break;
        }
        if (j === before) return undefined; // attributes are separated by whitespace
        const a = j;
        j = qnameEnd(s, a);
        if (j < 0) return undefined;
        const name = s.slice(a, j);
        while (j < n && is(s.charCodeAt(j), SPACE)) j++;
        if (s.charCodeAt(j) !== EQ) return undefined;
        j++;
        while (j < n && is(s.charCodeAt(j), SPACE)) j++;
        const quote = s.charCodeAt(j);
        if (quote !== DQUOTE && quote !== SQUOTE) return undefined;
        const end = s.indexOf(quote === DQUOTE ? '"' : "'", j + 1);
        if (end < 0) return undefined;
        const value = attributeValue(s, j + 1, end);
        if (value === undefined) return undefined;
        (attrs ??= []).push(name, value);
        j = end + 1;
        if (attrs.length / 2 > lim.maxAttributes || value.length > lim.maxAttributeLength) return undefined;
      }
      // Namespaces in XML 1.0 §3-6: declarations first, then the element's name is resolved.
      let inner = scope;
      let own: Record<string, string> = NO_ATTRIBUTES;
      if (attrs) for (let k = 0; k < attrs.length; k += 2) {
        const name = attrs[k]!;
        const value = attrs[k + 1]!;
        for (let m = 0; m < k; m += 2) if (attrs[m] === name) return undefined; // §3.1 unique attributes
        let prefix: string | null = null;
        if (name === 'xmlns') prefix = '';
        else if (name.startsWith('xmlns:')) prefix = name.slice(6);
        else if (name.includes(':')) return undefined; // a prefixed attribute (xml:lang): saxes
        if (prefix === null) {
          if (name === '__proto__') continue;
          if (own === NO_ATTRIBUTES) own = {};
          own[name] = value;
          continue;
        }
        // Undeclaring a prefix (xmlns:p=""), the reserved prefixes and namespaces, and values
        // that XML parsers trim are left to saxes, which checks or refuses them.
        if (value !== value.trim() || value === XML_NS || value === XMLNS_NS) return undefined;
        if (prefix !== '' && (value === '' || prefix === 'xml' || prefix === 'xmlns' || prefix === '__proto__')) return undefined;
        if (inner === scope) inner = new Map(scope);
        (inner as Map<string, string>).set(prefix, value);
      }
      const colon = qname.indexOf(':');
      let ns: string | undefined;
      let local = qname;
      if (colon < 0) ns = inner.get('') ?? '';
      else {
        ns = inner.get(qname.slice(0, colon));
        if (!ns) return undefined; // an undeclared prefix (or xml:, which is left to saxes)
        local = qname.slice(colon + 1);
      }
      if (open.length + 1 > lim.maxDepth || ++elements > lim.maxElements) return undefined;
      tree.open(ns, local, own);
      i = j;
      if (empty) tree.close();
      else {
        open.push({ qname, outer: scope });
        scope = inner;
      }
    }
    if (open.length === 0) break; // the root is closed
    // Character data up to the next tag.
    const lt = s.indexOf('<', i);
    if (lt < 0) return undefined;
    if (lt > i) {
      const text = charData(s, i, lt);
      if (text === undefined) return undefined;
      tree.text(text);
    }
    i = lt;
  }
  for (; i < n; i++) if (!is(s.charCodeAt(i), SPACE)) return undefined; // only whitespace after the root
  return tree.root ?? undefined;
}

/** The end of an ASCII QName (NCName, optionally ':' NCName) starting at `i`, or -1. */
function qnameEnd(s: string, i: number): number {
  if (!is(s.charCodeAt(i), NAME_START)) return -1;
  let j = i + 1;
  while (is(s.charCodeAt(j), NAME_CHAR)) j++;
  if (s.charCodeAt(j) !== COLON) return j;
  j++;
  if (!is(s.charCodeAt(j), NAME_START)) return -1;
  j++;
  while (is(s.charCodeAt(j), NAME_CHAR)) j++;
  return s.charCodeAt(j) === COLON ? -1 : j;
}

/**
 * Whether `c` may appear literally in plain character data: tab, line feed, and the printable
 * characters of XML 1.0 §2.2 Char below the surrogates or in U+E000–U+FFFD, without C1 controls.
 */
const plainChar = (c: number): boolean =>
  c >= 0x20 ? c < 0x7f || (c >= 0xa0 && c < 0xd800) || (c >= 0xe000 && c <= 0xfffd) : c === 0x09 || c === 0x0a;

/** Code units of a short text being expanded, reused; a longer one gets its own (not kept). */
const UNITS = new Uint16Array(16_384);

/**
 * The text between `from` and `to` with its references expanded (`amps` is the number of '&'),
 * or undefined when an '&' does not start a reference reference() accepts. Linear: each code
 * unit is written once and read once into the string, 8,192 at a time (a rope of pieces per
 * reference made entity-heavy text superlinear, hostile.test.ts).
 */
function expand(s: string, from: number, to: number, amps: number, inAttribute: boolean): string | undefined {
  if (amps === 0) return s.slice(from, to);
  const units = to - from <= UNITS.length ? UNITS : new Uint16Array(to - from);
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c !== AMP) {
      units[n++] = c;
      continue;
    }
    const semi = s.indexOf(';', k + 1);
    if (semi < 0 || semi >= to) return undefined;
    const ch = reference(s.slice(k + 1, semi), inAttribute);
    if (ch === undefined) return undefined;
    units[n++] = ch.charCodeAt(0);
    if (ch.length === 2) units[n++] = ch.charCodeAt(1); // a surrogate pair
    k = semi;
  }
  let text = '';
  for (let i = 0; i < n; i += 8192) text += String.fromCharCode.apply(null, units.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
  return text;
}

/** XML 1.0 §2.4 character data between `from` and `to` with its references expanded, or undefined. */
function charData(s: string, from: number, to: number): string | undefined {
  let amps = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === AMP) amps++;
    else if (c === GT) {
      if (k - 2 >= from && s.charCodeAt(k - 1) === RSQB && s.charCodeAt(k - 2) === RSQB) return undefined; // "]]>"
    } else if (!plainChar(c)) return undefined;
  }
  return expand(s, from, to, amps, false);
}

/**
 * An attribute value (§3.1 AttValue) with its references expanded, or undefined. Literal
 * whitespace other than spaces is normalised by XML parsers (§3.3.3): left to saxes.
 */
function attributeValue(s: string, from: number, to: number): string | undefined {
  let amps = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === AMP) amps++;
    else if (c === LT || c < 0x20 || !plainChar(c)) return undefined;
  }
  return expand(s, from, to, amps, true);
}

/**
 * The text of a reference (§4.1, §4.6): one of the five predefined entities or a decimal or
 * hexadecimal character reference to a character of §2.2 (no controls in attribute values).
 * Anything else — above all a named entity that is not predefined — is undefined (saxes refuses it).
 */
function reference(name: string, inAttribute: boolean): string | undefined {
  if (name.length === 0 || name.length > 10) return undefined;
  switch (name) {
    case 'lt': return '<';
    case 'gt': return '>';
    case 'amp': return '&';
    case 'quot': return '"';
    case 'apos': return "'";
    default: if (name.charCodeAt(0) !== 0x23) return undefined; // not '#'
  }
  const hex = name.charCodeAt(1) === 0x78; // 'x'
  const digits = name.slice(hex ? 2 : 1);
  if (!(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) return undefined;
  const cp = Number.parseInt(digits, hex ? 16 : 10);
  const ok = cp >= 0x20
    ? (cp < 0xd800 || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff))
    : !inAttribute && (cp === 0x09 || cp === 0x0a);
  return ok ? String.fromCodePoint(cp) : undefined;
}
