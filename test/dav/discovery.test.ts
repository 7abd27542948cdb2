// Discovery, logins (A1) and PROPFIND (issue 3 items 1, 2, 4) on SQLite and PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { listDevices, revokeDevice, setDeviceAppPassword } from '../../src/dav/devices.js';
import { updateUser } from '../../src/crm/users.js';
import { startDav, propfindBody, type DavTestServer } from './helpers.js';

const DIALECTS = await dialects();

describe.each(DIALECTS)('DAV discovery and login on %s', (dialect) => {
  let s: DavTestServer;
  beforeEach(async () => { s = await startDav(dialect); });
  afterEach(async () => s.close());

  it('redirects /.well-known/caldav and carddav to /dav/', async () => {
    for (const url of ['/.well-known/caldav', '/.well-known/carddav']) {
      const r = await s.request('PROPFIND', url, { login: '' });
      expect(r.status).toBe(301);
      expect(r.headers.location).toBe('/dav/');
    }
  });

  it('answers an unauthenticated request with 401 and a Basic challenge', async () => {
    const r = await s.request('PROPFIND', '/dav/', { login: '', body: propfindBody('d:current-user-principal') });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Basic realm="crmsync"/);
  });

  it('OPTIONS advertises the DAV classes', async () => {
    const r = await s.request('OPTIONS', '/dav/', { login: '' });
    expect(r.headers.dav).toContain('calendar-access');
    expect(r.headers.dav).toContain('addressbook');
    expect(r.headers.allow).toContain('REPORT');
  });

  it('leads from current-user-principal to homes and the principal properties', async () => {
    const root = await s.request('PROPFIND', '/', { body: propfindBody('d:current-user-principal'), headers: { depth: '0' } });
    expect(root.status).toBe(207);
    expect(root.headers.dav).toContain('calendar-access');
    expect(root.body).toContain('<d:current-user-principal><d:href>/dav/principals/alice/</d:href>');
    const p = await s.request('PROPFIND', '/dav/principals/alice/', {
      headers: { depth: '0' },
      body: propfindBody('cal:calendar-home-set', 'card:addressbook-home-set', 'cal:calendar-user-address-set', 'd:displayname', 'd:resourcetype'),
    });
    expect(p.body).toContain('<cal:calendar-home-set><d:href>/dav/calendars/alice/</d:href>');
    expect(p.body).toContain('<card:addressbook-home-set><d:href>/dav/addressbooks/alice/</d:href>');
    expect(p.body).toContain('<d:href>mailto:alice@example.com</d:href>');
    expect(p.body).toContain('<d:displayname>Alice Adler</d:displayname>');
    expect(p.body).toContain('<d:principal/>');
  });

  it('PROPFIND depth 1 on the calendar home lists Calendar and Tasks with their report sets; infinity is refused', async () => {
    const r = await s.request('PROPFIND', '/dav/calendars/alice/', {
      headers: { depth: '1' }, body: propfindBody('d:resourcetype', 'd:displayname', 'cal:supported-calendar-component-set', 'd:supported-report-set', 'cs:getctag', 'd:sync-token'),
    });
    expect(r.status).toBe(207);
    expect(r.body).toContain('/dav/calendars/alice/calendar/');
    expect(r.body).toContain('/dav/calendars/alice/tasks/');
    expect(r.body).toContain('<cal:comp name="VTODO"/>');
    expect(r.body).toContain('<cal:calendar-multiget/>');
    expect(r.body).toContain('<d:sync-collection/>');
    expect(r.body).toContain('http://crmsync/ns/sync/');
    const inf = await s.request('PROPFIND', '/dav/calendars/alice/', { headers: { depth: 'infinity' }, body: propfindBody('d:resourcetype') });
    expect(inf.status).toBe(403);
    expect(inf.body).toContain('propfind-finite-depth');
  });

  it('answers unknown properties with 404 propstats, omitted under Brief: t and Prefer: return=minimal', async () => {
    const body = propfindBody('d:displayname', 'x:nothing xmlns:x="urn:x"');
    const r = await s.request('PROPFIND', '/dav/addressbooks/alice/contacts/', { headers: { depth: '0' }, body });
    expect(r.body).toContain('404 Not Found');
    const brief = await s.request('PROPFIND', '/dav/addressbooks/alice/contacts/', { headers: { depth: '0', brief: 't' }, body });
    expect(brief.body).not.toContain('404');
    const prefer = await s.request('PROPFIND', '/dav/addressbooks/alice/contacts/', { headers: { depth: '0', prefer: 'return=minimal' }, body });
    expect(prefer.body).not.toContain('404');
  });

  it('allprop and propname work on a collection', async () => {
    const all = await s.request('PROPFIND', '/dav/addressbooks/alice/contacts/', { headers: { depth: '0' }, body: '<d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>' });
    expect(all.body).toContain('<d:displayname>Contacts</d:displayname>');
    const names = await s.request('PROPFIND', '/dav/addressbooks/alice/contacts/', { headers: { depth: '0' }, body: '<d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>' });
    expect(names.body).toContain('<card:supported-address-data/>');
  });

  it('PROPPATCH sets displayname, calendar-color, calendar-order and dead properties; protected ones fail all (403/424)', async () => {
    const url = '/dav/calendars/alice/calendar/';
    const set = `<d:propertyupdate xmlns:d="DAV:" xmlns:ical="http://apple.com/ns/ical/" xmlns:x="urn:x"><d:set><d:prop><d:displayname>Work</d:displayname><ical:calendar-color>#FF0000FF</ical:calendar-color><ical:calendar-order>2</ical:calendar-order><x:note xml:lang="en">hi <x:b>there</x:b></x:note></d:prop></d:set></d:propertyupdate>`;
    const r = await s.request('PROPPATCH', url, { body: set });
    expect(r.status).toBe(207);
    expect(r.body).toContain('200 OK');
    const back = await s.request('PROPFIND', url, { headers: { depth: '0' }, body: propfindBody('d:displayname', 'ical:calendar-color', 'ical:calendar-order', 'x:note xmlns:x="urn:x"') });
    expect(back.body).toContain('<d:displayname>Work</d:displayname>');
    expect(back.body).toContain('#FF0000FF');
    // The answer is streamed: a namespace other than the well-known ones is declared where it is used.
    expect(back.body).toMatch(/<(x\d+):note xmlns:\1="urn:x" xml:lang="en">hi <\1:b>there<\/\1:b><\/\1:note>/);
    const bad = await s.request('PROPPATCH', url, { body: '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:getetag>x</d:getetag><d:displayname>Nope</d:displayname></d:prop></d:set></d:propertyupdate>' });
    expect(bad.body).toContain('403 Forbidden');
    expect(bad.body).toContain('424 Failed Dependency');
    expect((await s.request('PROPFIND', url, { headers: { depth: '0' }, body: propfindBody('d:displayname') })).body).toContain('Work');
  });

  it('A1: device logins, URL-encoded names, plain usernames as "default", app passwords and revocation', async () => {
    const body = propfindBody('d:current-user-principal');
    const headers = { depth: '0' };
    expect((await s.request('PROPFIND', '/dav/', { login: 'alice_device%3DMac', body, headers })).status).toBe(207);
    expect((await s.request('PROPFIND', '/dav/', { login: 'alice', body, headers })).status).toBe(207);
    expect((await s.request('PROPFIND', '/dav/', { login: 'alice_device=Bad-Name', body, headers })).status).toBe(401);
    expect((await s.request('PROPFIND', '/dav/', { login: 'alice', password: 'wrong password', body, headers })).status).toBe(401);
    const names = (await listDevices(s.t.ctx, s.alice.id)).map((d) => d.name);
    expect(names).toEqual(['Mac', 'default']);

    await setDeviceAppPassword(s.t.ctx, s.alice.id, 'iPad', 'app-password-123456');
    expect((await s.request('PROPFIND', '/dav/', { login: 'alice_device=iPad', password: 'app-password-123456', body, headers })).status).toBe(207);
    expect((await s.request('PROPFIND', '/dav/', { login: 'alice_device=Mac', password: 'app-password-123456', body, headers })).status).toBe(401);

    await revokeDevice(s.t.ctx, s.alice.id, 'Mac');
    expect((await s.request('PROPFIND', '/dav/', { login: 'alice_device=Mac', body, headers })).status).toBe(401);
    expect((await s.request('PROPFIND', '/dav/', { login: 'alice_device=iPad', body, headers })).status).toBe(207);

    await updateUser(s.t.ctx, s.alice.id, { disabled: true });
    expect((await s.request('PROPFIND', '/dav/', { login: 'alice_device=iPad', body, headers })).status).toBe(401);
  });

  it('slows repeated wrong passwords down to 429 with Retry-After', async () => {
    const body = propfindBody('d:current-user-principal');
    let last = 0;
    let retryAfter: unknown;
    for (let i = 0; i < 12; i++) {
      const r = await s.request('PROPFIND', '/dav/', { login: 'alice', password: `wrong ${i}`, body });
      last = r.status;
      retryAfter = r.headers['retry-after'];
    }
    expect(last).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('isolation: another user\'s principal, homes and collections are 404', async () => {
    for (const url of ['/dav/principals/bob/', '/dav/calendars/bob/', '/dav/calendars/bob/calendar/', '/dav/addressbooks/bob/contacts/x.vcf']) {
      expect((await s.request('PROPFIND', url, { headers: { depth: '0' }, body: propfindBody('d:resourcetype') })).status).toBe(404);
    }
    expect((await s.request('PUT', '/dav/addressbooks/bob/contacts/x.vcf', { body: 'BEGIN:VCARD\r\nEND:VCARD\r\n' })).status).toBe(404);
  });
});
