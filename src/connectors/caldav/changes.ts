// What changed in a collection since a cursor (SPEC X6: only explicit deletions count).
//  - RFC 6578 sync-collection where the collection supports it: the cursor is the DAV:sync-token;
//    a delta lists changed members with their ETags and deleted members as 404 responses.
//  - Otherwise a full listing (PROPFIND Depth 1, or a calendar-query per component when one
//    calendar holds events and tasks) with the CalendarServer getctag as cursor, marked as such
//    ("ctag " + value; a space cannot occur in a sync-token, which is a URI, RFC 6578 §3.2).
// Either way an unchanged token/ctag answers with an empty delta after a single PROPFIND Depth 0.
// With a sync-token cursor that PROPFIND asks for the sync-token alone (and the report set, which
// costs nothing): servers compute DAV:sync-token and CS:getctag each over the whole collection
// (Radicale reads every item for either; Xandikos builds a git tree of the index for either), so
// asking for both doubled the server's cost of a run with no change (docs/benchmarks.md).
// A sync-collection REPORT asks for the items' text too (RFC 6578 §3.2 allows any property): the
// engine reads nearly every item a delta or an initial listing names, and a server answers them
// from the listing it walks anyway, saving the multiget round trips (one per 100 items) that
// followed every listing with changes. The texts are handed back as `texts` for the connector's
// fetch (items.ts); where a server answers them with 404 (Xandikos 0.2.8 serves address-data
// and calendar-data only in multiget and query reports), fetch asks a multiget as before.
import type { Unit } from '../../domain/records.js';
import { RemoteError, type ChangeSet, type RemoteRef } from '../types.js';
import { canonicalUrl, isMemberOf } from './hrefs.js';
import type { DavHttp, DavRequest } from './http.js';
import { componentQueryBody, P, parseMultistatus, propfindBody, reportNames, syncCollectionBody, text, type MultistatusEntry, type PropName } from './xml.js';
import { NS, qkey } from '../../dav/xml/index.js';

const SYNC_COLLECTION = qkey({ ns: NS.DAV, name: 'sync-collection' });
const CALENDAR_QUERY = qkey({ ns: NS.CALDAV, name: 'calendar-query' });
/** A server stops early with 507 on the request-URI and a token to continue from (RFC 6578 §3.6). */
const MAX_ROUNDS = 1000;
/** Marks a cursor that is a CS:getctag, not a DAV:sync-token. */
const CTAG_CURSOR = 'ctag ';

interface CollectionState {
  syncToken: string | null;
  ctag: string | null;
  reports: Set<string>;
}

const EVERYTHING: readonly PropName[] = ['D:sync-token', 'CS:getctag', 'D:supported-report-set'];
const SYNC_ONLY: readonly PropName[] = ['D:sync-token', 'D:supported-report-set'];

const supportsSync = (state: CollectionState): state is CollectionState & { syncToken: string } =>
  state.syncToken !== null && state.reports.has(SYNC_COLLECTION);

/** An item's text as a listing carried it, with the version it had there. */
export interface ListedText { version: string; text: string }

export interface Changes {
  set: ChangeSet;
  /** Texts of listed items by ref (sync-collection answers only; possibly of another unit sharing the calendar). */
  texts: Map<string, ListedText>;
}

export async function collectionChanges(http: DavHttp, collection: string, unit: Unit, cursor: string | null): Promise<Changes> {
  const texts = new Map<string, ListedText>();
  const sync = (from: string | null): Promise<Changes> => syncCollection(http, collection, unit, from, texts).then((set) => ({ set, texts }));
  const bare = (set: ChangeSet): Changes => ({ set, texts });
  const ctagCursor = cursor !== null && cursor.startsWith(CTAG_CURSOR);
  if (cursor !== null && !ctagCursor) {
    // A sync-token: ask for nothing else. (An unmarked cursor may also be a ctag saved before
    // cursors were marked; then the collection has no sync-token and the full state follows.)
    const state = await readState(http, collection, SYNC_ONLY);
    if (supportsSync(state)) {
      if (cursor === state.syncToken) return bare({ kind: 'delta', changed: [], deleted: [], cursor });
      return sync(cursor);
    }
  }
  const state = await readState(http, collection, EVERYTHING);
  // No cursor, or a ctag from a time the collection had no sync-collection: the initial listing.
  if (supportsSync(state)) return sync(ctagCursor ? null : cursor);
  const mine = state.ctag === null ? null : `${CTAG_CURSOR}${state.ctag}`;
  if (cursor !== null && mine !== null && (cursor === mine || cursor === state.ctag)) return bare({ kind: 'delta', changed: [], deleted: [], cursor: mine });
  return bare({ kind: 'full', items: await listMembers(http, collection, unit, state), cursor: mine });
}

async function readState(http: DavHttp, collection: string, names: readonly PropName[]): Promise<CollectionState> {
  const reply = await http.ok({ method: 'PROPFIND', url: collection, depth: '0', body: propfindBody(names) }, 'collection');
  const props = parseMultistatus(reply.body).entries[0]?.props ?? new Map();
  return { syncToken: text(props.get(P.synctoken)) || null, ctag: text(props.get(P.getctag)) || null, reports: reportNames(props.get(P.supportedReports)) };
}

/**
 * RFC 6578 §3. With no cursor: the initial listing, returned as 'full' (it is complete, and
 * nothing in it is a deletion). With a cursor: a delta; 404 members are the explicit deletions.
 */
async function syncCollection(http: DavHttp, collection: string, unit: Unit, cursor: string | null, texts: Map<string, ListedText>): Promise<ChangeSet> {
  const [dataName, dataKey] = unit === 'contacts' ? ['CR:address-data', P.addressData] as const : ['C:calendar-data', P.calendarData] as const;
  const changed = new Map<string, RemoteRef>();
  const deleted = new Set<string>();
  let token = cursor ?? '';
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const req: DavRequest = { method: 'REPORT', url: collection, depth: '0', body: syncCollectionBody(token, dataName) };
    const reply = await sendSync(http, req, token);
    const ms = parseMultistatus(reply.body);
    let truncated = false;
    for (const e of ms.entries) {
      const ref = canonicalUrl(e.href, collection);
      if (ref === collection) {
        truncated ||= e.status === 507;
        continue;
      }
      if (!isMemberOf(ref, collection)) continue;
      if (e.status === 404) {
        deleted.add(ref);
        changed.delete(ref);
        texts.delete(ref);
      } else if (isItem(e)) {
        const version = text(e.props.get(P.getetag)) ?? '';
        changed.set(ref, { ref, version });
        deleted.delete(ref);
        const data = text(e.props.get(dataKey));
        if (data !== null && data !== '') texts.set(ref, { version, text: data });
        else texts.delete(ref);
      }
    }
    if (!ms.syncToken) throw new RemoteError('fatal', `REPORT sync-collection on ${new URL(collection).pathname}: no sync-token in the answer`);
    token = ms.syncToken;
    if (!truncated) break;
  }
  if (cursor === null) return { kind: 'full', items: [...changed.values()], cursor: token };
  return { kind: 'delta', changed: [...changed.values()], deleted: [...deleted], cursor: token };
}

/**
 * RFC 6578 §3.2: a token the server no longer knows is refused with 403 or 409 and the
 * DAV:valid-sync-token precondition. Xandikos answers 500 instead (its git store cannot find the
 * commit); a 500 that repeats on the same token right after the collection answered PROPFIND is
 * taken as the same verdict. A wrongly invalidated cursor costs a full listing, never data (X6).
 */
async function sendSync(http: DavHttp, req: DavRequest, token: string) {
  const invalid = () => new RemoteError('cursor-invalid', `the server no longer accepts the sync-token of ${new URL(req.url).pathname}`);
  for (let attempt = 0; ; attempt++) {
    const reply = await http.send(req);
    if (reply.status === 207) return reply;
    if ((reply.status === 403 || reply.status === 409) && /valid-sync-token/.test(reply.body)) throw invalid();
    if (reply.status === 500 && token !== '' && attempt === 0) continue;
    if (reply.status === 500 && token !== '') throw invalid();
    throw http.fail(req, reply, 'collection');
  }
}

/** A member with content: not a sub-collection, and with a found ETag or at least a 2xx propstat. */
function isItem(e: MultistatusEntry): boolean {
  if (e.status !== null && (e.status < 200 || e.status > 299)) return false;
  const type = e.props.get(P.resourcetype);
  return !type || type.children.length === 0;
}

/**
 * Full listing with ETags. A calendar that holds events and tasks is asked per component with a
 * calendar-query (RFC 4791 §7.8) so each unit sees only its own items.
 */
async function listMembers(http: DavHttp, collection: string, unit: Unit, state: CollectionState): Promise<RemoteRef[]> {
  const query = unit !== 'contacts' && state.reports.has(CALENDAR_QUERY);
  const req: DavRequest = query
    ? { method: 'REPORT', url: collection, depth: '1', body: componentQueryBody(unit === 'tasks' ? 'VTODO' : 'VEVENT') }
    : { method: 'PROPFIND', url: collection, depth: '1', body: propfindBody(['D:getetag', 'D:resourcetype']) };
  const reply = await http.ok(req, 'collection');
  const items: RemoteRef[] = [];
  for (const e of parseMultistatus(reply.body).entries) {
    const ref = canonicalUrl(e.href, collection);
    if (isMemberOf(ref, collection) && isItem(e)) items.push({ ref, version: text(e.props.get(P.getetag)) ?? '' });
  }
  return items;
}
