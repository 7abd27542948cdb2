// The fast paths of issue 3 item 9 (src/dav/handlers/light.ts: PROPFIND, sync-collection and
// multiget answered from cached renders by item stamps, with per-revision stamp snapshots) must
// never serve a stale ETag or body: after every kind of change, what PROPFIND, sync-collection
// and multiget say equals what GET says.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contacts, createContact, setTick } from '../../../src/crm/contacts.js';
import { SYSTEM } from '../../../src/domain/authors.js';
import { dialects } from '../../helpers/databases.js';
import { startDav, vcard, type DavTestServer } from '../helpers.js';

const DIALECTS = await dialects();
const BOOK = '/dav/addressbooks/alice/contacts/';
const PROPFIND = '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/></d:prop></d:propfind>';
const sync = (token: string) => `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
const multiget = (hrefs: string[], version = '') => `<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><c:address-data${version ? ` content-type="text/vcard" version="${version}"` : ''}/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</c:addressbook-multiget>`;

/** href → etag from a multistatus. */
function etags(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of xml.matchAll(/<d:response><d:href>([^<]+)<\/d:href>(.*?)<\/d:response>/gs)) {
    const e = /<d:getetag>([^<]+)<\/d:getetag>/.exec(m[2]!);
    if (e) out.set(m[1]!, e[1]!.replace(/&quot;/g, '"'));
  }
  return out;
}
const tokenOf = (xml: string) => /<d:sync-token>([^<]+)<\/d:sync-token>/.exec(xml)![1]!;

describe.each(DIALECTS)('DAV fast paths stay consistent on %s', (dialect) => {
  let s: DavTestServer;
  beforeEach(async () => { s = await startDav(dialect); });
  afterEach(async () => s.close());

  const listing = async (headers: Record<string, string> = {}) => etags((await s.request('PROPFIND', BOOK, { body: PROPFIND, headers: { depth: '1', ...headers } })).body);
  const getEtag = async (href: string, headers: Record<string, string> = {}) => String((await s.request('GET', href, { headers })).headers.etag);
  const expectListingMatchesGet = async (headers: Record<string, string> = {}) => {
    const l = await listing(headers);
    for (const [href, etag] of l) expect(etag, href).toBe(await getEtag(href, headers));
    return l;
  };

  it('after CRM edits, device PUTs (fields, extras only, new names), unticks and vCard 4.0 requests', async () => {
    const a = await createContact(s.t.ctx, { givenName: 'Anna', familyName: 'Alt', category: 'customer' }, SYSTEM, [s.alice.id]);
    await createContact(s.t.ctx, { givenName: 'Bert', familyName: 'Bau', category: 'customer' }, SYSTEM, [s.alice.id]);
    const first = await expectListingMatchesGet();
    expect(first.size).toBe(2);
    await expectListingMatchesGet(); // warm: answered from the caches
    const token = tokenOf((await s.request('REPORT', BOOK, { body: sync(''), headers: { depth: '1' } })).body);

    // a CRM edit
    await contacts.update(s.t.ctx, a.id, { jobTitle: 'Broker' }, SYSTEM);
    const afterCrm = await expectListingMatchesGet();
    expect(afterCrm.get(`${BOOK}${a.id}.vcf`)).not.toBe(first.get(`${BOOK}${a.id}.vcf`));

    // a device PUT of a new contact under its own name, then an extras-only change of it
    expect((await s.request('PUT', `${BOOK}carla.vcf`, { body: vcard('carla-uid', 'Carla Conti', ['CATEGORIES:Kunde']), headers: { 'content-type': 'text/vcard' } })).status).toBe(201);
    const withCarla = await expectListingMatchesGet();
    expect(withCarla.has(`${BOOK}carla.vcf`)).toBe(true);
    const got = await s.request('GET', `${BOOK}carla.vcf`);
    const extrasOnly = got.body.replace('END:VCARD', 'X-ONLY-EXTRA:1\r\nEND:VCARD');
    expect((await s.request('PUT', `${BOOK}carla.vcf`, { body: extrasOnly, headers: { 'content-type': 'text/vcard', 'if-match': String(got.headers.etag) } })).status).toBeLessThan(300);
    const afterExtras = await expectListingMatchesGet();
    expect(afterExtras.get(`${BOOK}carla.vcf`)).not.toBe(withCarla.get(`${BOOK}carla.vcf`));
    // and an incremental sync reports it (another device of the user must refetch it)
    const inc = await s.request('REPORT', BOOK, { body: sync(tokenOf((await s.request('REPORT', BOOK, { body: sync(token), headers: { depth: '1' } })).body)), headers: { depth: '1' } });
    expect(inc.status).toBe(207);
    const sinceStart = etags((await s.request('REPORT', BOOK, { body: sync(token), headers: { depth: '1' } })).body);
    expect(sinceStart.get(`${BOOK}carla.vcf`)).toBe(afterExtras.get(`${BOOK}carla.vcf`));

    // multiget bodies match GET bodies, in 3.0 and 4.0
    const hrefs = [...afterExtras.keys()];
    const mg = (await s.request('REPORT', BOOK, { body: multiget(hrefs), headers: { depth: '1' } })).body;
    expect(mg).toContain('X-ONLY-EXTRA:1');
    expect(mg).toContain('TITLE:Broker');
    for (const [href, etag] of etags(mg)) expect(etag).toBe(await getEtag(href));
    const mg4 = (await s.request('REPORT', BOOK, { body: multiget(hrefs, '4.0'), headers: { depth: '1' } })).body;
    expect(mg4).toContain('VERSION:4.0');
    for (const [href, etag] of etags(mg4)) expect(etag).toBe(await getEtag(href, { accept: 'text/vcard; version=4.0' }));
    await expectListingMatchesGet({ accept: 'text/vcard; version=4.0' });

    // untick: gone from the listing
    await setTick(s.t.ctx, a.id, s.alice.id, false, SYSTEM);
    const afterUntick = await expectListingMatchesGet();
    expect(afterUntick.has(`${BOOK}${a.id}.vcf`)).toBe(false);
  });
});
