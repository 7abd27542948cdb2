// addressbook-multiget (RFC 6352 §8.7): which hrefs find which members, what is 404, and that a
// body outside the plain XML subset (comments, CRLF, xml:lang) gets the same answer while hostile
// bodies are 400 (issue 3 items 7 and 9).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContact } from '../../src/crm/contacts.js';
import { SYSTEM } from '../../src/domain/authors.js';
import { dialects } from '../helpers/databases.js';
import { hrefsIn, startDav, vcard, type DavTestServer } from './helpers.js';

const DIALECTS = await dialects();
const CONTACTS = '/dav/addressbooks/alice/contacts/';
const NS = 'xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"';
const multiget = (hrefs: readonly string[]) =>
  `<card:addressbook-multiget ${NS}><d:prop><d:getetag/><card:address-data/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</card:addressbook-multiget>`;
const statusOf = (body: string, href: string) =>
  new RegExp(`<d:href>${href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</d:href>(?:<d:status>([^<]*)</d:status>|<d:propstat>)`).exec(body);

describe.each(DIALECTS)('addressbook-multiget on %s', (dialect) => {
  let s: DavTestServer;
  let crmHref: string;
  beforeEach(async () => {
    s = await startDav(dialect);
    for (const [path, fn] of [['plain.vcf', 'Plain Person'], ['a%20b.vcf', 'Spaced Person'], ['caf%C3%A9.vcf', 'Café Owner']] as const) {
      const r = await s.request('PUT', `${CONTACTS}${path}`, { body: vcard(`uid-${fn.split(' ')[0]}`, fn, ['CATEGORIES:Kunde']), headers: { 'content-type': 'text/vcard' } });
      expect(r.status, r.body).toBe(201);
    }
    const c = await createContact(s.t.ctx, { givenName: 'Crm', familyName: 'Made' }, SYSTEM, [s.alice.id]);
    crmHref = `${CONTACTS}${c.id}.vcf`;
  });
  afterEach(async () => s.close());

  it('finds members under the hrefs the server gave and other spellings of them; 404 for the rest, in request order', async () => {
    const found = [`${CONTACTS}plain.vcf`, `${CONTACTS}a%20b.vcf`, `${CONTACTS}caf%C3%A9.vcf`, crmHref];
    const listing = await s.request('PROPFIND', CONTACTS, { headers: { depth: '1' }, body: `<d:propfind ${NS}><d:prop><d:getetag/></d:prop></d:propfind>` });
    expect(hrefsIn(listing.body).filter((h) => h !== CONTACTS).sort()).toEqual([...found].sort());
    const other = [
      `${CONTACTS}missing.vcf`,
      '/dav/addressbooks/bob/contacts/plain.vcf', // another user's address book
      '/dav/calendars/alice/calendar/plain.vcf', // another collection
      `${CONTACTS}../contacts/plain.vcf`, // dot segments never walk
      `${CONTACTS}%zz.vcf`, // a bad escape
      `${CONTACTS}plain%2Fx.vcf`, // an encoded slash
      CONTACTS, // the collection itself
    ];
    const r = await s.request('REPORT', CONTACTS, {
      headers: { depth: '1' },
      body: multiget([
        `${CONTACTS}plain.vcf`, other[0]!, `${CONTACTS}a%20b.vcf`, other[1]!, `${CONTACTS}caf%C3%A9.vcf`, other[2]!,
        `http://localhost${crmHref}`, // an absolute URL
        `${CONTACTS}%70lain.vcf`, `${CONTACTS}a b.vcf`, // other spellings of members already asked for: answered once
        ...other.slice(3),
      ]),
    });
    expect(r.status).toBe(207);
    // Members under their own hrefs first (in the order asked), then the 404s as they were sent:
    // hrefs that name no member path, then member paths that name no member.
    expect(hrefsIn(r.body)).toEqual([...found, ...other.slice(1), other[0]]);
    for (const h of found) expect(statusOf(r.body, h)?.[1], h).toBeUndefined();
    for (const h of other) expect(statusOf(r.body, h)?.[1], h).toBe('HTTP/1.1 404 Not Found');
    for (const fn of ['Plain Person', 'Spaced Person', 'Café Owner', 'Crm Made']) expect(r.body).toContain(`FN:${fn}`);
  });

  it('answers on the address book home as on the collection', async () => {
    const body = multiget([`${CONTACTS}plain.vcf`, crmHref, `${CONTACTS}missing.vcf`]);
    const onCollection = await s.request('REPORT', CONTACTS, { headers: { depth: '1' }, body });
    const onHome = await s.request('REPORT', '/dav/addressbooks/alice/', { headers: { depth: '1' }, body });
    expect(onHome.status).toBe(207);
    expect(onHome.body).toBe(onCollection.body);
    expect((await s.request('REPORT', '/dav/addressbooks/bob/contacts/', { headers: { depth: '1' }, body })).status).toBe(404);
  });

  it('gives the same answer to a body outside the plain XML subset (comments, CRLF, xml:lang)', async () => {
    const hrefs = [`${CONTACTS}plain.vcf`, `${CONTACTS}caf%C3%A9.vcf`, `${CONTACTS}missing.vcf`];
    const plain = await s.request('REPORT', CONTACTS, { headers: { depth: '1' }, body: multiget(hrefs) });
    const fancy = [
      '<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- a client comment -->\r\n',
      `<card:addressbook-multiget ${NS} xml:lang="en">\r\n <d:prop>\r\n  <d:getetag/>\r\n  <card:address-data/>\r\n </d:prop>\r\n`,
      ...hrefs.map((h) => ` <d:href>${h.replace('plain', '<![CDATA[plain]]>')}</d:href>\r\n`),
      '</card:addressbook-multiget>\r\n',
    ].join('');
    const r = await s.request('REPORT', CONTACTS, { headers: { depth: '1' }, body: fancy });
    expect(r.status).toBe(207);
    expect(r.body).toBe(plain.body);
  });

  it('refuses more hrefs than the configured limit with 403 number-of-matches-within-limits', async () => {
    const limited = await startDav(dialect, { limits: { maxMultigetHrefs: 2 } });
    try {
      const two = await limited.request('REPORT', CONTACTS, { headers: { depth: '1' }, body: multiget([`${CONTACTS}a.vcf`, `${CONTACTS}b.vcf`]) });
      expect(two.status).toBe(207);
      const three = await limited.request('REPORT', CONTACTS, { headers: { depth: '1' }, body: multiget([`${CONTACTS}a.vcf`, `${CONTACTS}b.vcf`, `${CONTACTS}c.vcf`]) });
      expect(three.status).toBe(403);
      expect(three.body).toContain('number-of-matches-within-limits');
    } finally {
      await limited.close();
    }
  });

  it('refuses hostile and malformed bodies with 400, never 5xx', async () => {
    const good = multiget([`${CONTACTS}plain.vcf`]);
    const bodies = [
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "${'a'.repeat(100)}">]>${good.replace('plain.vcf', '&e;')}`,
      good.replace('plain.vcf', '&xxe;'),
      good.replace('plain.vcf', '&#0;'),
      good.slice(0, good.length - 10),
      good.replace('<d:prop>', '<d:prop x="1" x="2">'),
      good.replace('<d:href>', '<d:href><d:href>'),
      `${good}<extra/>`,
      good.replace('<d:prop>', `${'<x:a xmlns:x="urn:x">'.repeat(40)}${'</x:a>'.repeat(40)}<d:prop>`),
    ];
    for (const body of bodies) {
      const r = await s.request('REPORT', CONTACTS, { headers: { depth: '1' }, body });
      expect(r.status, body.slice(0, 200)).toBe(400);
    }
  });
});
