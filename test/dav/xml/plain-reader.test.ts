// The plain-subset XML reader (src/dav/xml/plainReader.ts) only ever accepts: whatever it reads
// must read the same under saxes, and everything outside its subset — above all what the safety
// rules refuse — must be left to saxes, so the refusals stay exactly those of readXml.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DavBadRequest, DEFAULT_XML_LIMITS, parseReport, readXml, XmlRejected, type XmlLimits } from '../../../src/dav/xml/index.js';
import { readPlainXml } from '../../../src/dav/xml/plainReader.js';
import { readWithSaxes } from '../../../src/dav/xml/reader.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/dav/requests');
const NS = 'xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"';
const multiget = (hrefs: string[]) =>
  `<?xml version="1.0" encoding="utf-8"?><card:addressbook-multiget ${NS}><d:prop><d:getetag/><card:address-data/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</card:addressbook-multiget>`;

/** What saxes makes of `s`: the tree, or the refusal. */
function viaSaxes(s: string, lim: XmlLimits = DEFAULT_XML_LIMITS): { tree: unknown } | { error: unknown } {
  try {
    return { tree: readWithSaxes(s, lim) };
  } catch (error) {
    return { error };
  }
}

function expectSameAsSaxes(s: string, lim: XmlLimits = DEFAULT_XML_LIMITS): boolean {
  const plain = readPlainXml(s, lim);
  if (plain === undefined) return false;
  const saxes = viaSaxes(s, lim);
  expect(saxes, s).toEqual({ tree: plain });
  // Attribute order too (dead properties are written back in it).
  expect(JSON.stringify(saxes), s).toBe(JSON.stringify({ tree: plain }));
  return true;
}

describe('plain XML reader', () => {
  it('reads a 1,000-href addressbook-multiget itself, as saxes does', () => {
    const hrefs = Array.from({ length: 1000 }, (_, i) => `/dav/addressbooks/alice/contacts/${i}-caf%C3%A9.vcf`);
    const body = multiget(hrefs);
    expect(expectSameAsSaxes(body)).toBe(true);
    const r = parseReport(body);
    expect(r.type === 'addressbook-multiget' && r.hrefs).toEqual(hrefs);
  });

  it('agrees with saxes on the RFC example requests it reads', () => {
    let read = 0;
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.xml'))) {
      const text = readFileSync(join(FIXTURES, f), 'utf8');
      if (text.trim() !== '' && !text.includes('\r') && expectSameAsSaxes(text)) read++;
    }
    expect(read).toBeGreaterThan(10);
  });

  it('keeps mixed content, entities, character references and non-ASCII text as saxes does', () => {
    for (const s of [
      '<a xmlns="urn:x">one <b>two</b> three &amp; &lt;four&gt; &#65;&#x1F600; caf\u00e9</a>',
      "<p:a xmlns:p='urn:p' k='v &quot;w&quot; &apos;x&apos;' l=\"&#x3c;\">\n  <p:b/>\n  <c xmlns=\"urn:c\"><d/></c>\n</p:a>",
      '<?xml version="1.0" standalone="yes"?>\n<a>\t]] > ]&gt;</a>\n',
      '<a xmlns="urn:x"><b xmlns=""><c/></b></a>',
    ]) {
      expect(expectSameAsSaxes(s), s).toBe(true);
    }
  });

  it('leaves everything outside the plain subset to saxes', () => {
    for (const s of [
      '<!DOCTYPE a><a/>',
      '<a><!-- c --></a>',
      '<a><![CDATA[x]]></a>',
      '<?pi x?><a/>',
      '<a><?pi x?></a>',
      '<a>&foo;</a>',
      '<a>&#0;</a>',
      '<a>x\r\ny</a>',
      '<a k="x\ty"/>',
      '<a xml:lang="en"/>',
      '<p:a/>',
      '<a xmlns:p=""/>',
      '<a xmlns:xml="http://www.w3.org/XML/1998/namespace"/>',
      '<a xmlns:p=" urn:p "/>',
      '<\u00e9/>',
      '<a>\ud83d\ude00</a>',
      '<a>\u0085</a>',
      '<?xml version="1.1"?><a/>',
      ' <?xml version="1.0"?><a/>',
      '<a>]]></a>',
      '<a/><b/>',
      '<a></b>',
      '<a x="1" x="2"/>',
      '<a x="1"y="2"/>',
    ]) {
      expect(readPlainXml(s, DEFAULT_XML_LIMITS), s).toBeUndefined();
    }
  });

  it('leaves a body past any limit to saxes, which refuses it', () => {
    const lim = { maxDepth: 3, maxElements: 4, maxAttributes: 2, maxAttributeLength: 5 };
    const cases: [string, string][] = [
      ['<a><b><c><d/></c></b></a>', 'depth'],
      ['<a><b/><b/><b/><b/></a>', 'element-count'],
      ['<a x="1" y="2" z="3"/>', 'attribute-count'],
      ['<a x="123456"/>', 'attribute-size'],
    ];
    for (const [s, reason] of cases) {
      expect(readPlainXml(s, { ...DEFAULT_XML_LIMITS, ...lim }), s).toBeUndefined();
      expect(() => readXml(s, lim), s).toThrow(expect.objectContaining({ reason }));
    }
    expect(readPlainXml(`${'<a>'.repeat(33)}${'</a>'.repeat(33)}`, DEFAULT_XML_LIMITS)).toBeUndefined();
  });

  it('never lets a DOCTYPE or an unknown entity through readXml, wherever it sits', () => {
    const body = multiget(['/dav/addressbooks/alice/contacts/a.vcf']);
    const at = body.indexOf('<card:');
    const doctype = `${body.slice(0, at)}<!DOCTYPE x [<!ENTITY e "boom">]>${body.slice(at)}`;
    expect(() => readXml(doctype)).toThrow(expect.objectContaining({ reason: 'doctype' }));
    expect(() => readXml(body.replace('a.vcf', '&e;.vcf'))).toThrow(expect.objectContaining({ reason: 'entity' }));
    expect(() => readXml(body.replace('a.vcf', '&#x0;.vcf'))).toThrow(DavBadRequest);
  });
});

// ---- random documents: plain reader and saxes agree; readXml refuses only with DavBadRequest

// Mostly plain pieces, some not: each document is plain only if every piece is.
const NAMES = ['a', 'd:href', 'd:prop', 'card:x', 'D:b', 'p:q', 'x', '_y', 'a1', 'b.c-d'];
const ODD_NAMES = ['xml:z', 'p:q:r', '1a', '\u00e9', 'u:v', 'xmlns:a'];
const ATTRS = ['k="v"', "k='v'", 'name="VEVENT"', 'xmlns="urn:x"', 'xmlns=""', 'xmlns:d="DAV:"', 'xmlns:p="urn:q"', 'k="a &amp; b"', 'k="&#x41;"', 'k = "1"', 'k="caf\u00e9"', '__proto__="x"', 'k="&lt;>"'];
const ODD_ATTRS = [
  'xmlns:p=""', 'xml:lang="en"', 'k="x\ty"', 'k="<"', 'k="&e;"', 'xmlns:xml="http://www.w3.org/XML/1998/namespace"',
  'xmlns:p="http://www.w3.org/2000/xmlns/"', 'p:k="1"', 'k="1" k="2"', 'k="&#10;"', 'k', 'k=v', 'xmlns:p=" urn:p"',
];
const TEXTS = ['', ' ', '\n  ', '\t', 'abc', '/dav/addressbooks/alice/contacts/x%20y.vcf', '&amp;', '&lt;&gt;', '&quot;&apos;', '&#65;', '&#x1F600;', '&#9;', ']]', '>', 'caf\u00e9', '\u00a0'];
const ODD_TEXTS = [
  '&#0;', '&#13;', '&foo;', '&', '&#xD800;', '&#X41;', ']]>', '\r\n', '\r', '\ud83d\ude00', '\u0001', '\u0085', '\ufffe',
  '<!-- c -->', '<![CDATA[x]]>', '<?pi x?>', '<!DOCTYPE a>',
];
const GLUE = ['<', '>', '/', '"', "'", '=', ':', '&', ';', ' ', '\r', '<!DOCTYPE a [<!ENTITY e "x">]>', 'xmlns:z="u"', '</', '/>', '<?xml version="1.0"?>', '\ufffe'];

const mostly = (plain: readonly string[], odd: readonly string[]) =>
  fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...plain) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });

interface Node { readonly name: string; readonly attrs: readonly string[]; readonly content: readonly (Node | string)[] }

const nodeArb: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.record({
    name: mostly(NAMES, ODD_NAMES),
    attrs: fc.array(mostly(ATTRS, ODD_ATTRS), { maxLength: 3 }),
    content: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constant([]), fc.array(fc.oneof(mostly(TEXTS, ODD_TEXTS), tie('node')), { maxLength: 4 })),
  }),
})).node;

function serialize(n: Node, root: boolean): string {
  const head = `<${n.name}${n.attrs.map((a) => ` ${a}`).join('')}${root ? ' xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:D="DAV:" xmlns:p="urn:p"' : ''}`;
  if (n.content.length === 0) return `${head}/>`;
  return `${head}>${n.content.map((c) => (typeof c === 'string' ? c : serialize(c, false))).join('')}</${n.name}>`;
}

const docArb = fc.record({
  decl: mostly(['', '<?xml version="1.0"?>', "<?xml version='1.0' encoding='utf-8'?>\n", '<?xml version = "1.0" standalone="no" ?>'], ['<?xml version="1.1"?>', ' <?xml version="1.0"?>', '<?xml encoding="utf-8"?>', '<?xml-stylesheet x?>']),
  before: mostly(['', ' ', '\n', '\r\n'], ['x', '<!-- c -->', '<!DOCTYPE a>']),
  root: nodeArb,
  after: mostly(['', '\n', ' \t\r\n'], ['x', '<b/>', '<!-- c -->']),
  edits: fc.oneof(
    { weight: 3, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(fc.record({ at: fc.nat(), cut: fc.nat({ max: 3 }), insert: fc.constantFrom('', ...GLUE) }), { minLength: 1, maxLength: 2 }) },
  ),
}).map(({ decl, before, root, after, edits }) => {
  let s = `${decl}${before}${serialize(root, true)}${after}`;
  for (const e of edits) {
    const at = e.at % (s.length + 1);
    s = s.slice(0, at) + e.insert + s.slice(at + e.cut);
  }
  return s;
});

const limitsArb = fc.record({
  maxDepth: fc.integer({ min: 1, max: 5 }),
  maxElements: fc.integer({ min: 1, max: 12 }),
  maxAttributes: fc.integer({ min: 0, max: 6 }),
  maxAttributeLength: fc.integer({ min: 0, max: 10 }),
});

describe('plain XML reader on random documents', () => {
  it('reads nothing that saxes would read differently or refuse', () => {
    let plain = 0;
    let runs = 0;
    fc.assert(fc.property(docArb, (s) => {
      runs++;
      if (expectSameAsSaxes(s)) plain++;
    }), { numRuns: 4000 });
    // The generator reaches both sides: many documents are plain, many are not.
    expect(plain).toBeGreaterThan(runs / 10);
    expect(plain).toBeLessThan(runs * 0.9);
  });

  it('reads nothing past the limits', () => {
    fc.assert(fc.property(docArb, limitsArb, (s, lim) => {
      expectSameAsSaxes(s, lim);
    }), { numRuns: 2000 });
  });

  it('readXml answers every body with a tree or a DavBadRequest (400), never another error', () => {
    fc.assert(fc.property(docArb, (s) => {
      try {
        readXml(Buffer.from(s));
      } catch (e) {
        expect(e).toBeInstanceOf(DavBadRequest);
        if (e instanceof XmlRejected) expect(e.status).toBe(400);
      }
    }), { numRuns: 2000 });
  });
});
