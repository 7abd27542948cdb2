// The 207 Multi-Status and DAV:error serialiser: golden files under
// test/fixtures/dav/responses/, escaping, namespaces, dead-property round trip, speed.

import { describe, expect, it } from 'vitest';
import {
  caldav,
  carddav,
  dav,
  escapeAttr,
  escapeText,
  NS,
  parseProppatch,
  readXml,
  serializeError,
  serializeMultistatus,
  xmlElement,
  type Multistatus,
  type MultistatusResponse,
} from '../../../src/dav/xml/index.js';
import { golden } from './fixtures.js';

const BOX = 'http://ns.example.com/boxschema/';
const box = (name: string) => ({ ns: BOX, name });

const GOLDEN: Record<string, () => string> = {
  // RFC 4918 §9.1.3 response: nested values, a 403 propstat with a description.
  'rfc4918-9.1.3-propfind-response.xml': () =>
    serializeMultistatus({
      responses: [
        {
          type: 'propstat',
          href: 'http://www.example.com/file',
          propstats: [
            {
              status: 200,
              props: [
                { name: box('bigbox'), value: { type: 'elements', elements: [xmlElement(box('BoxType'), { text: 'Box type A' })] } },
                { name: box('author'), value: { type: 'elements', elements: [xmlElement(box('Name'), { text: 'J.J. Johnson' })] } },
              ],
            },
            {
              status: 403,
              props: [
                { name: box('DingALing'), value: { type: 'empty' } },
                { name: box('Random'), value: { type: 'empty' } },
              ],
              description: 'The user does not have access to the DingALing property.',
            },
          ],
        },
      ],
      description: 'There has been an access violation error.',
    }),

  // RFC 4791 §7.9.1 response: calendar-data with CRLF line ends, and a 404 member.
  'rfc4791-7.9.1-multiget-response.xml': () =>
    serializeMultistatus({
      responses: [
        {
          type: 'propstat',
          href: 'http://cal.example.com/bernard/work/abcd1.ics',
          propstats: [
            {
              status: 200,
              props: [
                { name: dav('getetag'), value: { type: 'text', text: '"fffff-abcd1"' } },
                {
                  name: caldav('calendar-data'),
                  value: {
                    type: 'text',
                    text: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example Corp.//CalDAV Client//EN\r\nBEGIN:VEVENT\r\nUID:74855313FA803DA593CD579A@example.com\r\nSUMMARY:Event #1 <with> & "quotes"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
                  },
                },
              ],
            },
          ],
        },
        { type: 'status', hrefs: ['http://cal.example.com/bernard/work/mtg1.ics'], status: 404 },
      ],
    }),

  // RFC 6578 §3.8 response shape: changed members, a removed one, and the new sync-token last.
  'rfc6578-3.8-sync-collection-response.xml': () =>
    serializeMultistatus({
      responses: [
        {
          type: 'propstat',
          href: 'http://example.com/dav/test.doc',
          propstats: [
            { status: 200, props: [{ name: dav('getetag'), value: { type: 'text', text: '"00001-abcd1"' } }] },
            { status: 404, props: [{ name: { ns: 'urn:ns.example.com:boxschema', name: 'bigbox' }, value: { type: 'empty' } }] },
          ],
        },
        { type: 'status', hrefs: ['http://example.com/dav/old.doc'], status: 404 },
      ],
      syncToken: 'http://example.com/ns/sync/1234',
    }),

  // A depth-1 PROPFIND of a calendar home as iOS asks it: hrefs, resourcetype, known prefixes.
  'crmsync-propfind-calendar-home.xml': () =>
    serializeMultistatus({
      responses: [
        {
          type: 'propstat',
          href: '/dav/calendars/anna/work/',
          propstats: [
            {
              status: 200,
              props: [
                {
                  name: dav('resourcetype'),
                  value: { type: 'elements', elements: [xmlElement(dav('collection')), xmlElement(caldav('calendar'))] },
                },
                { name: dav('displayname'), value: { type: 'text', text: 'Work' } },
                { name: dav('current-user-principal'), value: { type: 'hrefs', hrefs: ['/dav/principals/anna/'] } },
                { name: { ns: NS.CALSERVER, name: 'getctag' }, value: { type: 'text', text: 'ctag-42' } },
                { name: { ns: NS.APPLE_ICAL, name: 'calendar-color' }, value: { type: 'text', text: '#FF2968FF' } },
                {
                  name: caldav('supported-calendar-component-set'),
                  value: { type: 'elements', elements: [xmlElement(caldav('comp'), { attrs: { name: 'VEVENT' } })] },
                },
              ],
            },
            { status: 404, props: [{ name: carddav('addressbook-description'), value: { type: 'empty' } }] },
          ],
        },
      ],
    }),

  // A dead property with xml:lang, mixed content and two unknown namespaces (generated prefixes).
  'rfc4918-4.3-dead-property-response.xml': () => {
    const patch = parseProppatch(
      `<D:propertyupdate xmlns:D="DAV:" xml:lang="en"><D:set><D:prop><x:author xmlns:x='http://example.com/ns'><x:name>Jane Doe</x:name><x:notes xmlns:h='http://www.w3.org/1999/xhtml'>Jane has been working way <h:em>too</h:em> long on <![CDATA[<RFC2518>]]>.</x:notes></x:author></D:prop></D:set></D:propertyupdate>`,
    );
    const op = patch.operations[0]!;
    if (op.type !== 'set') throw new Error('expected set');
    return serializeMultistatus({
      responses: [{ type: 'propstat', href: '/dav/files/doc', propstats: [{ status: 200, props: [{ name: op.prop, value: { type: 'dead', element: op.value } }] }] }],
    });
  },

  // RFC 4918 §16 precondition body with crmsync's reason.
  'rfc4791-valid-calendar-data-error.xml': () =>
    serializeError(caldav('valid-calendar-data'), 'VEVENT is missing DTSTART & UID'),

  // A condition with content (RFC 4791 §5.3.2.1 no-uid-conflict names the other resource).
  'rfc4791-no-uid-conflict-error.xml': () =>
    serializeError(xmlElement(caldav('no-uid-conflict'), { children: [xmlElement(dav('href'), { text: '/dav/calendars/anna/work/other.ics' })] })),
};

describe('serialiser goldens', () => {
  for (const [file, make] of Object.entries(GOLDEN)) {
    it(`${file} matches its golden`, () => {
      const actual = make();
      const expected = golden('responses', file, actual);
      expect(expected, `missing golden ${file}; run with UPDATE_FIXTURES=1`).toBeDefined();
      expect(actual).toBe(expected);
      expect(() => readXml(actual)).not.toThrow(); // and it is well-formed
    });
  }
});

describe('escaping', () => {
  it('escapes markup characters and keeps CR through an XML reader', () => {
    expect(escapeText('a<b>&c\r\n')).toBe('a&lt;b&gt;&amp;c&#13;\n');
    const back = readXml(`<a>${escapeText('X\r\nY')}</a>`);
    expect(back?.text).toBe('X\r\nY');
  });

  it('never emits characters XML 1.0 cannot carry', () => {
    const nasty = 'ok\u0000\u0001\u0008\u000B\u000C\u001F\uFFFE\uFFFF\uD800 \uDC00end';
    expect(escapeText(nasty)).toBe('ok end');
    expect(escapeAttr(nasty)).toBe('ok end');
    expect(escapeText('emoji 😀 stays')).toBe('emoji 😀 stays'); // a valid surrogate pair
    expect(escapeText('tab\tstays')).toBe('tab\tstays');
  });

  it('escapes quotes and whitespace in attributes', () => {
    expect(escapeAttr('a"b\tc\nd<&')).toBe('a&quot;b&#9;c&#10;d&lt;&amp;');
  });

  it('returns text unchanged when there is nothing to escape', () => {
    const s = 'BEGIN:VCARD\nFN:Anna\nEND:VCARD\n';
    expect(escapeText(s)).toBe(s);
  });
});

describe('multistatus', () => {
  it('writes every status as an HTTP status line', () => {
    const xml = serializeMultistatus({ responses: [{ type: 'status', hrefs: ['/a', '/b'], status: 507, error: dav('number-of-matches-within-limits') }] });
    expect(xml).toContain('<d:href>/a</d:href><d:href>/b</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status>');
    expect(xml).toContain('<d:error><d:number-of-matches-within-limits/></d:error>');
  });

  it('round-trips a dead property exactly through PROPPATCH and PROPFIND', () => {
    const body = `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><Z:Authors xmlns:Z="urn:z" Z:kind="list" plain="1"><Z:Author xml:lang="de">Jürgen &amp; Co</Z:Author>text <Z:b/> tail</Z:Authors></D:prop></D:set></D:propertyupdate>`;
    const op = parseProppatch(body).operations[0]!;
    if (op.type !== 'set') throw new Error('expected set');
    const xml = serializeMultistatus({
      responses: [{ type: 'propstat', href: '/x', propstats: [{ status: 200, props: [{ name: op.prop, value: { type: 'dead', element: op.value } }] }] }],
    });
    const prop = readXml(xml)?.children[0]?.children[1]?.children[0]?.children[0];
    expect(prop).toEqual(op.value);
  });

  it('serialises a depth-1 PROPFIND over 10,000 items in tens of milliseconds', () => {
    const responses: MultistatusResponse[] = Array.from({ length: 10_000 }, (_, i) => ({
      type: 'propstat',
      href: `/dav/addressbooks/anna/contacts/contact-${i}.vcf`,
      propstats: [
        {
          status: 200,
          props: [
            { name: dav('getetag'), value: { type: 'text', text: `"etag-${i}-a1b2c3"` } },
            { name: dav('getcontenttype'), value: { type: 'text', text: 'text/vcard; charset=utf-8' } },
            { name: dav('getlastmodified'), value: { type: 'text', text: 'Mon, 12 Jan 2026 10:00:00 GMT' } },
            { name: dav('resourcetype'), value: { type: 'empty' } },
            { name: dav('displayname'), value: { type: 'text', text: `Contact ${i} <Müller & Co>` } },
          ],
        },
        { status: 404, props: [{ name: { ns: NS.CALSERVER, name: 'getctag' }, value: { type: 'empty' } }] },
      ],
    }));
    const ms: Multistatus = { responses, syncToken: 'http://crmsync/sync/9' };
    const best = (f: () => void): number => {
      let t = Infinity;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        f();
        t = Math.min(t, performance.now() - t0);
      }
      return t;
    };
    // ~20 ms on an idle laptop, less than JSON.stringify of the same responses. Shared CI
    // machines vary, so the guard is relative to that native baseline, plus a loose ceiling.
    const ours = best(() => serializeMultistatus(ms));
    const json = best(() => JSON.stringify(ms));
    expect(ours).toBeLessThan(json * 2 + 5);
    expect(ours).toBeLessThan(400);
  });
});
