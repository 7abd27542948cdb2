// Account discovery: RFC 6764 (well-known URIs), RFC 5397 (current-user-principal), RFC 4791
// §6.2.1 (calendar-home-set) and RFC 6352 §7.1.1 (addressbook-home-set), then the collections
// in each home set with their resource type and supported components (RFC 4791 §5.2.3).
import type { Unit } from '../../domain/records.js';
import { RemoteError, type RemoteCollection } from '../types.js';
import { collectionUrl } from './hrefs.js';
import type { DavHttp } from './http.js';
import { NS, type XmlElement } from '../../dav/xml/index.js';
import { hasChild, hrefIn, P, parseMultistatus, propfindBody, text } from './xml.js';

/** Discovers the account's collections; the first authenticated request checks the credentials (A2). */
export async function discoverCollections(http: DavHttp, accountUrl: string): Promise<RemoteCollection[]> {
  const principal = await findPrincipal(http, accountUrl);
  const homes = await homeSets(http, principal);
  const found = new Map<string, RemoteCollection>();
  for (const home of new Set(homes)) {
    for (const c of await listCollections(http, home)) found.set(c.ref, c);
  }
  return [...found.values()];
}

/**
 * RFC 6764 §6: the context path from /.well-known/caldav and /.well-known/carddav (the client
 * follows their redirects), then the URL given; the first that names a current-user-principal
 * wins. A URL pointing at the principal itself works too (it names itself).
 */
async function findPrincipal(http: DavHttp, accountUrl: string): Promise<string> {
  const candidates = [
    new URL('/.well-known/caldav', accountUrl).href,
    new URL('/.well-known/carddav', accountUrl).href,
    accountUrl,
  ];
  // A URL with a path is the user's explicit context path: try it first.
  if (new URL(accountUrl).pathname !== '/') candidates.unshift(candidates.pop()!);
  for (const url of candidates) {
    const req = { method: 'PROPFIND' as const, url, depth: '0' as const, body: propfindBody(['D:current-user-principal']) };
    const reply = await http.send(req);
    if (reply.status === 401) throw http.fail(req, reply, 'account');
    if (reply.status !== 207) continue;
    const entry = parseMultistatus(reply.body).entries[0];
    const href = hrefIn(entry?.props.get(P.principal));
    if (href) return collectionUrl(href, reply.url);
  }
  throw new RemoteError('fatal', `no CalDAV/CardDAV principal found at ${new URL(accountUrl).host} (RFC 6764)`);
}

async function homeSets(http: DavHttp, principal: string): Promise<string[]> {
  const req = { method: 'PROPFIND' as const, url: principal, depth: '0' as const, body: propfindBody(['C:calendar-home-set', 'CR:addressbook-home-set']) };
  const reply = await http.ok(req, 'account');
  const props = parseMultistatus(reply.body).entries[0]?.props;
  const homes = [hrefIn(props?.get(P.calendarHome)), hrefIn(props?.get(P.addressbookHome))]
    .filter((h) => h !== null)
    .map((h) => collectionUrl(h, reply.url));
  if (homes.length === 0) throw new RemoteError('fatal', 'the principal names neither a calendar-home-set nor an addressbook-home-set');
  return homes;
}

async function listCollections(http: DavHttp, home: string): Promise<RemoteCollection[]> {
  const req = {
    method: 'PROPFIND' as const, url: home, depth: '1' as const,
    body: propfindBody(['D:resourcetype', 'D:displayname', 'C:supported-calendar-component-set']),
  };
  const reply = await http.ok(req, 'account');
  const out: RemoteCollection[] = [];
  for (const entry of parseMultistatus(reply.body).entries) {
    const ref = collectionUrl(entry.href, reply.url);
    if (ref === home) continue;
    const units = unitsOf(entry.props);
    if (units.length === 0) continue;
    out.push({ ref, displayName: text(entry.props.get(P.displayname)) || decodeURIComponent(ref.split('/').at(-2) ?? ref), units });
  }
  return out;
}

/** Address book → contacts; calendar → calendar (VEVENT) and/or tasks (VTODO); no component set = all. */
function unitsOf(props: ReadonlyMap<string, XmlElement>): Unit[] {
  const type = props.get(P.resourcetype);
  if (hasChild(type, NS.CARDDAV, 'addressbook')) return ['contacts'];
  if (!hasChild(type, NS.CALDAV, 'calendar')) return [];
  const set = props.get(P.components);
  if (!set) return ['calendar', 'tasks'];
  const comps = new Set(set.children.map((c) => (c.attrs.name ?? '').toUpperCase()));
  const units: Unit[] = [];
  if (comps.has('VEVENT')) units.push('calendar');
  if (comps.has('VTODO')) units.push('tasks');
  return units;
}
