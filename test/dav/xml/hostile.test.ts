// Hostile request bodies (SPEC Standards: XML parsed without DTDs or entities): each ends in a
// typed error, quickly, without expanding anything or hanging.

import { describe, expect, it } from 'vitest';
import { DavBadRequest, parsePropfind, parseReport, readXml, XmlRejected, type XmlRejectReason } from '../../../src/dav/xml/index.js';

function rejected(fn: () => unknown): XmlRejected {
  try {
    fn();
  } catch (e) {
    if (e instanceof XmlRejected) return e;
    throw e;
  }
  throw new Error('expected XmlRejected');
}

function expectReason(fn: () => unknown, reason: XmlRejectReason, maxMs = 500): void {
  const t0 = performance.now();
  const err = rejected(fn);
  expect(err.reason).toBe(reason);
  expect(err).toBeInstanceOf(DavBadRequest); // the server maps every one to 400
  expect(err.status).toBe(400);
  expect(performance.now() - t0).toBeLessThan(maxMs);
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&lol9;</D:displayname></D:prop></D:propfind>`;

const XXE = `<?xml version="1.0"?>
<!DOCTYPE propfind [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&xxe;</D:displayname></D:prop></D:propfind>`;

describe('hostile XML', () => {
  it('refuses the billion laughs', () => {
    expectReason(() => parsePropfind(BILLION_LAUGHS), 'doctype');
  });

  it('refuses an external entity (file:///etc/passwd)', () => {
    const err = rejected(() => parsePropfind(XXE));
    expect(err.reason).toBe('doctype');
    expect(err.message).not.toMatch(/root:/);
  });

  it('refuses any DOCTYPE, even a harmless one', () => {
    expectReason(() => parsePropfind('<!DOCTYPE propfind><propfind xmlns="DAV:"><allprop/></propfind>'), 'doctype');
  });

  it('refuses a reference to an undeclared entity instead of expanding it', () => {
    expectReason(() => parsePropfind('<D:propfind xmlns:D="DAV:"><D:prop><D:x>&xxe;</D:x></D:prop></D:propfind>'), 'entity');
  });

  it('expands the five predefined entities and numeric references only', () => {
    const root = readXml('<a>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;</a>');
    expect(root?.text).toBe('<>&"\'AB');
  });

  it('refuses 10,000 levels of nesting at the depth limit', () => {
    const deep = `${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`;
    expectReason(() => readXml(deep), 'depth');
  });

  it('honours a configured depth limit', () => {
    expect(() => readXml('<a><b><c/></b></a>', { maxDepth: 3 })).not.toThrow();
    expectReason(() => readXml('<a><b><c><d/></c></b></a>', { maxDepth: 3 }), 'depth');
  });

  it('refuses more elements than the element limit', () => {
    const many = `<D:propfind xmlns:D="DAV:"><D:prop>${'<D:x/>'.repeat(60_000)}</D:prop></D:propfind>`;
    expectReason(() => parsePropfind(many), 'element-count', 3_000); // reads 50,000 elements first
    expectReason(() => readXml('<a><b/><b/><b/></a>', { maxElements: 3 }), 'element-count');
  });

  it('refuses a 1 MB attribute', () => {
    const big = `<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter><C:comp-filter name="${'A'.repeat(1 << 20)}"/></C:filter></C:calendar-query>`;
    expectReason(() => parseReport(big), 'attribute-size');
  });

  it('refuses an attribute flood on one element before resolving namespaces', () => {
    const attrs = Array.from({ length: 50_000 }, (_, i) => ` xmlns:p${i}="urn:x${i}"`).join('');
    expectReason(() => readXml(`<a${attrs}/>`), 'attribute-count');
  });

  it('reads a large text linearly (4x the input, well under 8x the time)', () => {
    // Entity-heavy text goes through the plain reader (plainReader.ts); best of 5 against the
    // shared host's noise, with a floor of 4 ms for the small input. Quadratic work would take 16x.
    const body = (n: number) => `<a>${'x &amp; y '.repeat(n)}</a>`;
    readXml(body(40_000)); // warm up
    const time = (n: number) => {
      const text = body(n);
      let best = Infinity;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        readXml(text);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const small = time(40_000);
    const large = time(160_000);
    expect(large).toBeLessThan(Math.max(small, 4) * 8);
    expect(readXml(body(3))?.text).toBe('x & y x & y x & y ');
  });

  it('refuses invalid UTF-8', () => {
    const bytes = Buffer.concat([
      Buffer.from('<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
      Buffer.from('</D:displayname></D:prop></D:propfind>'),
    ]);
    expectReason(() => parsePropfind(bytes), 'encoding');
  });

  it('refuses an encoding it does not read', () => {
    expectReason(() => parsePropfind(Buffer.from('<?xml version="1.0" encoding="EBCDIC-US"?><a/>')), 'encoding');
  });

  it('reads UTF-8 with BOM, UTF-16 with BOM and declared ISO-8859-1', () => {
    const xml = '<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:propfind>';
    const expected = { type: 'prop', props: [{ ns: 'DAV:', name: 'displayname' }] };
    expect(parsePropfind(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)]))).toEqual(expected);
    expect(parsePropfind(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]))).toEqual(expected);
    const latin = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>M\xfcller</a>', 'latin1');
    expect(readXml(latin)?.text).toBe('Müller');
  });

  it('refuses a truncated document with DavBadRequest', () => {
    const full = '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>';
    for (const cut of [10, 30, full.length - 3]) {
      expect(() => parsePropfind(full.slice(0, cut))).toThrow(DavBadRequest);
    }
  });

  it('refuses malformed XML with DavBadRequest', () => {
    for (const bad of ['<a></b>', '<a x="1" x="2"/>', '<a/><b/>', 'text<a/>', '<x:a/>', '<a>\u0001</a>']) {
      const err = (() => {
        try {
          readXml(bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, bad).toBeInstanceOf(DavBadRequest);
    }
  });
});
