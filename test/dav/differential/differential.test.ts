// Issue 3 item 8: differential tests. The same requests go to crmsync, Debian's Radicale and
// Xandikos, each on its own collections, and the answers are compared where the RFCs say they
// must agree: status codes of conditional requests (RFC 7232 / RFC 4918), resource types
// (RFC 4791 §4.2, RFC 6352 §5.2), the DAV header classes (RFC 4791 §5.1, RFC 6352 §6.1),
// calendar-query time-range over a recurring event (RFC 4791 §9.9), sync-collection removals
// (RFC 6578 §3.5.2), multiget 404s (RFC 4791 §7.9), text-match (RFC 6352 §8.6). Item hrefs are
// compared by their last segment (each server has its own collection paths); the crmsync user
// syncs two-way (the default) and the contacts carry a category that passes SPEC I1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readXml } from '../../../src/dav/xml/reader.js';
import type { XmlElement } from '../../../src/dav/xml/element.js';
import { peerAvailable, startPeer, type Peer } from '../../helpers/peers.js';
import { LOGIN, PASSWORD, startCrmsync, type CrmsyncServer } from '../clients/server.js';

const DAV = 'DAV:';
const CALDAV = 'urn:ietf:params:xml:ns:caldav';
const CARDDAV = 'urn:ietf:params:xml:ns:carddav';
const available = peerAvailable('radicale') && peerAvailable('xandikos');

interface Target {
  name: string;
  auth: string;
  contacts: string;
  calendar: string;
}

interface Answer { status: number; headers: Headers; body: string }

async function call(t: Target, method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: { authorization: t.auth, ...(body !== undefined ? { 'content-type': 'application/xml; charset=utf-8' } : {}), ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

// ---- multistatus, read with the server's own XML reader

interface MsResponse { href: string; status: string | null; props: Map<string, XmlElement>; propStatus: Map<string, string> }

const clark = (el: XmlElement) => `{${el.ns}}${el.name}`;
const child = (el: XmlElement, ns: string, name: string) => el.children.find((c) => c.ns === ns && c.name === name);
const statusCode = (line: string | undefined) => (line ? Number(/HTTP\/\S+\s+(\d{3})/.exec(line)?.[1]) : null);

function multistatus(xml: string): MsResponse[] {
  const root = readXml(xml, { maxElements: 1_000_000 });
  if (!root || root.name !== 'multistatus') throw new Error(`not a multistatus: ${xml.slice(0, 300)}`);
  return root.children.filter((c) => c.ns === DAV && c.name === 'response').map((r) => {
    const props = new Map<string, XmlElement>();
    const propStatus = new Map<string, string>();
    for (const ps of r.children.filter((c) => c.ns === DAV && c.name === 'propstat')) {
      const st = child(ps, DAV, 'status')?.text ?? '';
      for (const p of child(ps, DAV, 'prop')?.children ?? []) { props.set(clark(p), p); propStatus.set(clark(p), st); }
    }
    return { href: decodeURIComponent(child(r, DAV, 'href')?.text.trim() ?? ''), status: child(r, DAV, 'status')?.text ?? null, props, propStatus };
  });
}

const lastSegment = (href: string) => href.replace(/\/$/, '').split('/').pop()!;
const itemNames = (rs: MsResponse[], collection: string) =>
  rs.filter((r) => new URL(r.href, collection).pathname !== new URL(collection).pathname).map((r) => lastSegment(r.href)).sort();

// ---- data: a weekly series and a contact, dated from now so they stay in crmsync's window (S2)

const day = 86_400_000;
const monday = (() => {
  const d = new Date(Date.now() + 14 * day);
  d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7));
  d.setUTCHours(0, 0, 0, 0);
  return d.getTime();
})();
const ical = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const weekly = (uid: string) => [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//crmsync differential//EN',
  'BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:${ical(Date.now())}`,
  `DTSTART:${ical(monday + 9 * 3_600_000)}`, `DTEND:${ical(monday + 10 * 3_600_000)}`,
  'RRULE:FREQ=WEEKLY;COUNT=5', 'SUMMARY:Jour fixe', 'END:VEVENT', 'END:VCALENDAR', '',
].join('\r\n');
const single = (uid: string, summary: string, startMs: number) => [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//crmsync differential//EN',
  'BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:${ical(Date.now())}`,
  `DTSTART:${ical(startMs)}`, `DTEND:${ical(startMs + 1_800_000)}`, `SUMMARY:${summary}`, 'END:VEVENT', 'END:VCALENDAR', '',
].join('\r\n');
const vcard = (uid: string, fn: string) => {
  const [given, family] = fn.split(' ');
  return ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `N:${family};${given};;;`, `FN:${fn}`, 'CATEGORIES:Kunde', `EMAIL;TYPE=WORK:${given!.toLowerCase()}@example.com`, 'END:VCARD', ''].join('\r\n');
};

const timeRange = (startMs: number, endMs: number) => `<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${ical(startMs)}" end="${ical(endMs)}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;
const syncReport = (token: string) => `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
const propfind = (...props: [string, string][]) =>
  `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="${CALDAV}" xmlns:r="${CARDDAV}"><d:prop>${props.map(([ns, n]) => `<x:${n} xmlns:x="${ns}"/>`).join('')}</d:prop></d:propfind>`;
const ICS = { 'content-type': 'text/calendar; charset=utf-8' };
const VCF = { 'content-type': 'text/vcard; charset=utf-8' };

describe.skipIf(!available)('differential: crmsync, Radicale and Xandikos answer alike where the RFCs say so', () => {
  let crm: CrmsyncServer;
  let peers: Peer[] = [];
  let targets: Target[] = [];

  /** Runs `fn` on every server and returns the results by server name. */
  const onAll = async <T>(fn: (t: Target) => Promise<T>): Promise<Record<string, T>> => {
    const out: Record<string, T> = {};
    for (const t of targets) out[t.name] = await fn(t);
    return out;
  };
  /**
   * Every server answers `expected` (what the RFC prescribes), except a peer with a recorded
   * deviation, which must answer exactly that deviation (so a fixed peer shows up here too).
   * crmsync never has a deviation.
   */
  const agree = <T>(results: Record<string, T>, expected: T, deviations: Partial<Record<'radicale' | 'xandikos', { why: string; answer: T }>> = {}) => {
    expect(Object.keys(results)).toEqual(['crmsync', 'radicale', 'xandikos']);
    for (const [name, v] of Object.entries(results)) {
      const dev = deviations[name as 'radicale' | 'xandikos'];
      if (dev) expect(v, `${name} (known deviation: ${dev.why})`).toEqual(dev.answer);
      else expect(v, name).toEqual(expected);
    }
  };

  beforeAll(async () => {
    crm = await startCrmsync();
    peers = await Promise.all([startPeer('radicale'), startPeer('xandikos')]);
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    targets = [
      { name: 'crmsync', auth: basic(LOGIN, PASSWORD), contacts: crm.collections.contacts, calendar: crm.collections.calendar },
      ...peers.map((p) => ({ name: p.kind, auth: basic(p.username, p.password), contacts: p.collections.contacts, calendar: p.collections.calendar })),
    ];
  }, 120_000);

  afterAll(async () => {
    await crm?.close();
    await Promise.all(peers.map((p) => p.stop()));
  });

  it('OPTIONS: the DAV header names calendar-access (RFC 4791 §5.1) and addressbook (RFC 6352 §6.1)', async () => {
    const classes = await onAll(async (t) => {
      const cal = (await call(t, 'OPTIONS', t.calendar)).headers.get('dav') ?? '';
      const book = (await call(t, 'OPTIONS', t.contacts)).headers.get('dav') ?? '';
      const has = (h: string, c: string) => h.split(',').map((x) => x.trim()).includes(c);
      return { calendarAccess: has(cal, 'calendar-access'), addressbook: has(book, 'addressbook'), class1: has(cal, '1') };
    });
    agree(classes, { calendarAccess: true, addressbook: true, class1: true });
  });

  it('PROPFIND depth 0: resourcetype of a calendar and of an address book', async () => {
    const types = await onAll(async (t) => {
      const read = async (url: string) => {
        const r = await call(t, 'PROPFIND', url, propfind([DAV, 'resourcetype']), { depth: '0' });
        expect(r.status, `${t.name} PROPFIND`).toBe(207);
        const [resp] = multistatus(r.body);
        return (resp?.props.get(`{${DAV}}resourcetype`)?.children ?? []).map(clark).sort();
      };
      return { calendar: await read(t.calendar), contacts: await read(t.contacts) };
    });
    agree(types, { calendar: [`{${DAV}}collection`, `{${CALDAV}}calendar`].sort(), contacts: [`{${DAV}}collection`, `{${CARDDAV}}addressbook`].sort() });
  });

  it('PUT If-None-Match:* creates, and on an existing resource is 412; If-Match mismatch is 412; GET of a missing resource is 404', async () => {
    const statuses = await onAll(async (t) => {
      const url = `${t.calendar}diff-single.ics`;
      const body = single('diff-single-1', 'Viewing', monday + 3 * day + 14 * 3_600_000);
      const created = (await call(t, 'PUT', url, body, { ...ICS, 'if-none-match': '*' })).status;
      const again = (await call(t, 'PUT', url, body, { ...ICS, 'if-none-match': '*' })).status;
      const mismatch = (await call(t, 'PUT', url, body, { ...ICS, 'if-match': '"no-such-etag"' })).status;
      const missingMatch = (await call(t, 'PUT', `${t.calendar}diff-nothing-here.ics`, body.replace('diff-single-1', 'diff-single-2'), { ...ICS, 'if-match': '"x"' })).status;
      const got = await call(t, 'GET', url);
      const etag = got.headers.get('etag');
      const current = (await call(t, 'PUT', url, body.replace('Viewing', 'Viewing 2'), { ...ICS, 'if-match': etag ?? '' })).status;
      return {
        created, again, mismatch, missingMatch, get: got.status, strongEtag: etag !== null && /^"[^"]*"$/.test(etag),
        currentOk: current >= 200 && current < 300,
        missing: (await call(t, 'GET', `${t.calendar}diff-missing.ics`)).status,
        missingContact: (await call(t, 'GET', `${t.contacts}diff-missing.vcf`)).status,
      };
    });
    agree(statuses, { created: 201, again: 412, mismatch: 412, missingMatch: 412, get: 200, strongEtag: true, currentOk: true, missing: 404, missingContact: 404 });
  });

  it('PROPFIND getetag of an item is the ETag its GET sends (RFC 4791 §5.3.4 consistency)', async () => {
    const same = await onAll(async (t) => {
      const url = `${t.contacts}diff-carla.vcf`;
      expect((await call(t, 'PUT', url, vcard('diff-carla', 'Carla Conti'), VCF)).status, t.name).toBe(201);
      const etag = (await call(t, 'GET', url)).headers.get('etag');
      const [resp] = multistatus((await call(t, 'PROPFIND', url, propfind([DAV, 'getetag']), { depth: '0' })).body);
      return resp?.props.get(`{${DAV}}getetag`)?.text === etag;
    });
    agree(same, true);
  });

  it('calendar-query time-range over a simple recurring event returns the same hrefs (RFC 4791 §9.9)', async () => {
    const windows: [string, number, number][] = [
      ['third occurrence', monday + 14 * day, monday + 15 * day],
      ['between occurrences', monday + 15 * day, monday + 21 * day],
      ['before the series', monday - 7 * day, monday],
      ['after the series', monday + 29 * day, monday + 60 * day],
      ['whole series', monday - day, monday + 40 * day],
      ['inside one occurrence', monday + 7 * day + 9.5 * 3_600_000, monday + 7 * day + 9.6 * 3_600_000],
      ['ending when it starts', monday + 7 * day + 8 * 3_600_000, monday + 7 * day + 9 * 3_600_000],
    ];
    const found = await onAll(async (t) => {
      expect((await call(t, 'PUT', `${t.calendar}diff-weekly.ics`, weekly('diff-weekly-1'), ICS)).status, t.name).toBe(201);
      const out: Record<string, string[]> = {};
      for (const [label, a, b] of windows) {
        const r = await call(t, 'REPORT', t.calendar, timeRange(a, b), { depth: '1' });
        expect(r.status, `${t.name} ${label}`).toBe(207);
        out[label] = itemNames(multistatus(r.body), t.calendar).filter((n) => n === 'diff-weekly.ics');
      }
      return out;
    });
    const rfc = {
      'third occurrence': ['diff-weekly.ics'],
      'between occurrences': [],
      'before the series': [],
      'after the series': [],
      'whole series': ['diff-weekly.ics'],
      'inside one occurrence': ['diff-weekly.ics'],
      'ending when it starts': [],
    };
    agree(found, rfc, {
      xandikos: {
        why: 'Xandikos 0.2.8 matches a recurring event only on its first instance',
        answer: { ...rfc, 'third occurrence': [], 'inside one occurrence': [] },
      },
    });
  });

  it('sync-collection: after a DELETE the incremental report names that href with 404 and nothing else (RFC 6578 §3.5.2)', async () => {
    const reports = await onAll(async (t) => {
      for (const n of ['keep', 'gone']) {
        expect((await call(t, 'PUT', `${t.contacts}diff-sync-${n}.vcf`, vcard(`diff-sync-${n}`, `Sync ${n === 'keep' ? 'Keeper' : 'Goner'}`), VCF)).status, t.name).toBe(201);
      }
      const initial = await call(t, 'REPORT', t.contacts, syncReport(''), { depth: '1' });
      expect(initial.status, t.name).toBe(207);
      const token = child(readXml(initial.body)!, DAV, 'sync-token')!.text.trim();
      const names = itemNames(multistatus(initial.body), t.contacts);
      expect((await call(t, 'DELETE', `${t.contacts}diff-sync-gone.vcf`)).status, t.name).toBeLessThan(300);
      const inc = await call(t, 'REPORT', t.contacts, syncReport(token), { depth: '1' });
      expect(inc.status, t.name).toBe(207);
      const rs = multistatus(inc.body).filter((r) => new URL(r.href, t.contacts).pathname !== new URL(t.contacts).pathname);
      const newToken = child(readXml(inc.body)!, DAV, 'sync-token')!.text.trim();
      return {
        initialHasBoth: names.includes('diff-sync-keep.vcf') && names.includes('diff-sync-gone.vcf'),
        changes: rs.map((r) => ({ name: lastSegment(r.href), status: statusCode(r.status ?? undefined) })),
        tokenMoved: newToken !== token,
        getAfter: (await call(t, 'GET', `${t.contacts}diff-sync-gone.vcf`)).status,
      };
    });
    agree(reports, { initialHasBoth: true, changes: [{ name: 'diff-sync-gone.vcf', status: 404 }], tokenMoved: true, getAfter: 404 });
  });

  it('calendar-multiget: found items with data, a missing href as 404 (RFC 4791 §7.9)', async () => {
    const got = await onAll(async (t) => {
      const path = new URL(t.calendar).pathname;
      const body = `<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="${CALDAV}"><d:prop><d:getetag/><c:calendar-data/></d:prop><d:href>${path}diff-weekly.ics</d:href><d:href>${path}diff-absent.ics</d:href></c:calendar-multiget>`;
      const r = await call(t, 'REPORT', t.calendar, body, { depth: '1' });
      expect(r.status, t.name).toBe(207);
      return multistatus(r.body).map((x) => ({
        name: lastSegment(x.href),
        status: statusCode(x.status ?? undefined) ?? statusCode(x.propStatus.get(`{${DAV}}getetag`)),
        hasUid: (x.props.get(`{${CALDAV}}calendar-data`)?.text ?? '').includes('UID:diff-weekly-1'),
      })).sort((a, b) => a.name.localeCompare(b.name));
    });
    agree(got, [{ name: 'diff-absent.ics', status: 404, hasUid: false }, { name: 'diff-weekly.ics', status: 200, hasUid: true }]);
  });

  it('addressbook-query: text-match on FN (i;unicode-casemap, contains) returns the same cards (RFC 6352 §8.6)', async () => {
    const got = await onAll(async (t) => {
      for (const [n, fn] of [['anna', 'Anna Müller'], ['jurgen', 'Jürgen Schmidt'], ['karl', 'Karl Müllerson']] as const) {
        expect((await call(t, 'PUT', `${t.contacts}diff-q-${n}.vcf`, vcard(`diff-q-${n}`, fn), VCF)).status, t.name).toBe(201);
      }
      const q = (text: string) => `<?xml version="1.0" encoding="utf-8"?><r:addressbook-query xmlns:d="DAV:" xmlns:r="${CARDDAV}"><d:prop><d:getetag/></d:prop><r:filter><r:prop-filter name="FN"><r:text-match collation="i;unicode-casemap" match-type="contains">${text}</r:text-match></r:prop-filter></r:filter></r:addressbook-query>`;
      const run = async (text: string) => {
        const r = await call(t, 'REPORT', t.contacts, q(text), { depth: '1' });
        if (r.status !== 207) return r.status;
        return itemNames(multistatus(r.body), t.contacts).filter((n) => n.startsWith('diff-q-'));
      };
      return { mueller: await run('müller'), upper: await run('MÜLLER'), none: await run('nobody') };
    });
    agree(got, { mueller: ['diff-q-anna.vcf', 'diff-q-karl.vcf'], upper: ['diff-q-anna.vcf', 'diff-q-karl.vcf'], none: [] }, {
      xandikos: { why: 'Xandikos 0.2.8 answers 500 to a text-match with i;unicode-casemap (RFC 6352 §8.3 makes it mandatory)', answer: { mueller: 500, upper: 500, none: 500 } },
    });
  });

  it('DELETE of a missing resource is 404 everywhere', async () => {
    agree(await onAll(async (t) => (await call(t, 'DELETE', `${t.calendar}diff-never-was.ics`)).status), 404);
  });
});
