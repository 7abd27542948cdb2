// REPORT (RFC 3253 §3.6): calendar-multiget / calendar-query / free-busy-query (RFC 4791 §7),
// addressbook-multiget / addressbook-query (RFC 6352 §8), sync-collection (RFC 6578 §3).
// Answers are streamed (common.ts streamedMultistatus) after every check that may refuse them:
// limits, tokens and query match counts come first; an answer whose calendar-data expansion
// may still exceed the request's budget is produced whole before its first byte.
import { changesSince } from '../../crm/syncSets.js';
import { CrmError, ExpiredRevisionError } from '../../domain/errors.js';
import { DavError, forbidden } from '../errors.js';
import { chunks } from '../../crm/context.js';
import { listStamps, loadItems, refsOf, stampsOf, type ItemStamp, type LoadedItem } from '../items.js';
import { recordKey, seriesOverlaps, type CachedRecord } from '../recordCache.js';
import { itemResponses } from './light.js';
import { parseHref, hrefs } from '../paths.js';
import { evaluateProps, type PropEnv } from '../props/index.js';
import { parseSyncToken, syncToken } from '../props/rfc6578.js';
import { matchesCalendarFilter, parseCalendarTree } from '../query/calendarFilter.js';
import { freeBusy } from '../query/freebusy.js';
import { objectOverlaps } from '../query/timeRange.js';
import { matchesAddressbookFilter } from '../query/vcardFilter.js';
import { userCollections, type DavCollection, type Resource } from '../resources.js';
import type { DavRequest } from '../state.js';
import {
  dav, MultistatusStream, parseReport, type AddressbookMultiget, type AddressbookQuery, type CalendarMultiget, type CalendarQuery,
  type CompFilter, type FreeBusyQuery, type PropSelection, type SyncCollection,
} from '../xml/index.js';
import { directoryFor, eagerly, type Fragment, itemTarget, loadAllItems, mayRefuse, propEnv, streamedMultistatus, wantsMinimal, type DavResponse } from './common.js';

export async function report(req: DavRequest, resource: Resource): Promise<DavResponse> {
  const body = parseReport(req.body);
  switch (body.type) {
    case 'calendar-multiget':
    case 'addressbook-multiget':
      return multiget(req, resource, body);
    case 'calendar-query':
      return calendarQuery(req, requireCollection(resource, 'calendars', body.type), body);
    case 'addressbook-query':
      return addressbookQuery(req, requireCollection(resource, 'addressbooks', body.type), body);
    case 'free-busy-query':
      return freeBusyQuery(req, requireCollection(resource, 'calendars', body.type), body);
    case 'sync-collection':
      return syncCollection(req, requireCollection(resource, null, body.type), body);
    case 'unsupported':
      throw forbidden(`the ${body.root.name} report is not supported`, dav('supported-report'));
    default: {
      const never: never = body;
      throw new Error(`unhandled report ${JSON.stringify(never)}`);
    }
  }
}

function requireCollection(resource: Resource, home: 'calendars' | 'addressbooks' | null, report: string): DavCollection {
  if (resource.type !== 'collection' || (home !== null && resource.col.home !== home)) {
    throw forbidden(`${report} is answered on ${home === 'calendars' ? 'a calendar' : home === 'addressbooks' ? 'an address book' : 'a collection'}`, dav('supported-report'));
  }
  return resource.col;
}

/** `response` fragments of loaded items, a batch at a time. */
function* loadedResponses(req: DavRequest, ms: MultistatusStream, items: readonly LoadedItem[], col: DavCollection, select: PropSelection, env: PropEnv, minimal: boolean): Generator<string[]> {
  const batch = req.state.limits.itemBatch;
  for (let i = 0; i < items.length; i += batch) {
    yield items.slice(i, i + batch).map((item) => ms.response({ type: 'propstat', href: item.href, propstats: evaluateProps(itemTarget(col, item), select, env, minimal) }));
  }
}

/** The answer of `batches`, produced whole first when its evaluation may still refuse it. */
async function answer(req: DavRequest, calendarData: CalendarMultiget['calendarData'] | undefined, ms: MultistatusStream, batches: AsyncIterable<readonly Fragment[]> | Iterable<readonly Fragment[]>, tail?: () => { syncToken?: string }): Promise<DavResponse> {
  if (mayRefuse(calendarData)) return streamedMultistatus(req, ms, await eagerly(toAsync(batches)), tail);
  return streamedMultistatus(req, ms, batches, tail);
}

async function* toAsync<T>(source: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* source;
}

// ---- multiget (RFC 4791 §7.9, RFC 6352 §8.7)

async function multiget(req: DavRequest, resource: Resource, body: CalendarMultiget | AddressbookMultiget): Promise<DavResponse> {
  const home = body.type === 'calendar-multiget' ? 'calendars' : 'addressbooks';
  const inScope = (resource.type === 'collection' && resource.col.home === home) || (resource.type === 'home' && resource.home === home);
  if (!inScope) throw forbidden(`${body.type} is answered on ${home === 'calendars' ? 'calendar' : 'address book'} collections`, dav('supported-report'));
  if (body.hrefs.length > req.state.limits.maxMultigetHrefs) {
    throw forbidden(`at most ${req.state.limits.maxMultigetHrefs} hrefs per multiget`, dav('number-of-matches-within-limits'));
  }
  /** The hrefs asked for per collection, with the member's stamp once it is found. */
  const wanted = new Map<DavCollection, { readonly href: string; readonly name: string; stamp: ItemStamp | undefined }[]>();
  const missing: string[] = [];
  const want = (col: DavCollection, href: string, name: string, stamp?: ItemStamp) => {
    const list = wanted.get(col);
    if (list) list.push({ href, name, stamp });
    else wanted.set(col, [{ href, name, stamp }]);
  };
  const user = req.identity.user;
  if (resource.type === 'collection') {
    // Only the collection's own members can be answered. Clients send back the hrefs the server
    // gave them (`col.href` + encoded name). After that prefix, a segment without '%' decodes to
    // itself, and members' names are valid decoded segments, so a member found under it is the
    // one parseHref would find: no URL parsing for the usual 1,000 hrefs (issue 3 item 9).
    // Every other href is parsed as strictly as request URLs (paths.ts parseHref).
    const col = resource.col;
    const byName = await req.state.stamps.byName(req.state.ctx, col);
    for (const href of body.hrefs) {
      if (href.startsWith(col.href)) {
        const name = href.slice(col.href.length);
        const stamp = name.includes('%') || name.includes('/') ? undefined : byName.get(name);
        if (stamp) {
          want(col, href, name, stamp);
          continue;
        }
      }
      const p = parseHref(href);
      if (p?.kind === 'item' && p.user === user.username && p.home === col.home && p.slug === col.slug) want(col, href, p.name);
      else missing.push(href);
    }
  } else {
    // On a home: members of any of the user's collections.
    const collections = await userCollections(req.state.ctx, user);
    for (const href of body.hrefs) {
      const p = parseHref(href);
      const col = p?.kind === 'item' && p.user === user.username ? collections.find((c) => c.home === p.home && c.slug === p.slug) : undefined;
      if (col && p?.kind === 'item') want(col, href, p.name);
      else missing.push(href);
    }
  }
  const minimal = wantsMinimal(req);
  const calendarData = body.type === 'calendar-multiget' ? body.calendarData : null;
  const addressData = body.type === 'addressbook-multiget' ? body.addressData : null;
  const budget = { instances: req.state.limits.maxInstancesPerRequest };
  const ms = new MultistatusStream();
  async function* batches(): AsyncGenerator<readonly Fragment[]> {
    for (const [col, list] of wanted) {
      // Names resolve against the collection's stamp snapshot (no query while it is current);
      // each member is answered once, however often it was asked for.
      const byName = await req.state.stamps.byName(req.state.ctx, col);
      const stamps: ItemStamp[] = [];
      const asked = new Set<ItemStamp>();
      for (const x of list) {
        x.stamp ??= byName.get(x.name);
        if (x.stamp && !asked.has(x.stamp)) {
          asked.add(x.stamp);
          stamps.push(x.stamp);
        }
      }
      const gone = new Set<ItemStamp>();
      yield* itemResponses(req, col, stamps, body.select, ms, { minimal, calendarData, addressData, budget, fromSnapshot: true, gone: (s) => gone.add(s) });
      for (const x of list) if (!x.stamp || gone.has(x.stamp)) missing.push(x.href);
    }
    yield missing.map((href) => ms.response({ type: 'status', hrefs: [href], status: 404 }));
  }
  return answer(req, calendarData, ms, batches());
}

// ---- calendar-query (RFC 4791 §7.8)

/** The usual filter (VCALENDAR ⊃ one component, maybe a time-range, nothing else) needs no parse. */
function simpleComponentFilter(filter: CompFilter): Extract<CompFilter, { type: 'match' }> | null {
  if (filter.type !== 'match' || filter.propFilters.length > 0 || filter.timeRange !== null) return null;
  if (filter.compFilters.length !== 1) return null;
  const inner = filter.compFilters[0]!;
  return inner.type === 'match' && inner.propFilters.length === 0 && inner.compFilters.length === 0 ? inner : null;
}

/**
 * A time-range a calendar-query's filter requires of every match, when it is the usual
 * VCALENDAR ⊃ VEVENT ⊃ time-range: the candidates can then be narrowed in SQL by the series'
 * bounds before any record is loaded.
 */
function requiredEventRange(filter: CompFilter): { start?: number; end?: number } | null {
  if (filter.type !== 'match') return null;
  for (const inner of filter.compFilters) {
    if (inner.type === 'match' && inner.name === 'VEVENT' && inner.timeRange !== null) return inner.timeRange;
  }
  return null;
}

/** Slack around the series bounds (floating and all-day times are placed within ±14 h of UTC). */
const BOUNDS_SLACK_MS = 2 * 86_400_000;

/** A candidate of a calendar-query with its cache entry (occurrence bounds), when it has one. */
interface Candidate { readonly item: LoadedItem; readonly entry: CachedRecord | null }

/**
 * The members a calendar-query may match: with the usual VEVENT time-range, narrowed in SQL by
 * the series' bounds before any record is read; records come from the record cache by stamp and
 * only the others are loaded (then kept).
 */
async function calendarQueryCandidates(req: DavRequest, col: DavCollection, body: CalendarQuery): Promise<Candidate[]> {
  const range = col.unit === 'calendar' ? requiredEventRange(body.filter) : null;
  if (range === null) return (await loadAllItems(req, col)).map((item) => ({ item, entry: null }));
  const { ctx, records } = req.state;
  const colId = col.collection.id;
  const stamps = await listStamps(ctx, col, {
    ...(range.start !== undefined ? { start: range.start - BOUNDS_SLACK_MS } : {}),
    ...(range.end !== undefined ? { end: range.end + BOUNDS_SLACK_MS } : {}),
  });
  const found = new Map<string, Candidate>();
  const cold: ItemStamp[] = [];
  for (const s of stamps) {
    const entry = records.get(recordKey(colId, s.itemId, s.version, s.updatedAt, s.extrasRev));
    if (entry) found.set(s.itemId, { item: { itemId: s.itemId, name: s.name, href: s.href, extras: entry.extras, extrasRev: s.extrasRev, data: entry.data }, entry });
    else cold.push(s);
  }
  for (const part of chunks(cold, req.state.limits.itemBatch)) {
    const refs = await refsOf(ctx, col, part.map((s) => s.itemId));
    for (const item of await loadItems(ctx, col, part.map((s) => refs.get(s.itemId)!))) {
      // Keyed by what was loaded (not the stamp read before it), so an entry always holds its key's state.
      const entry: CachedRecord = { data: item.data, extras: item.extras };
      const r = item.data.record;
      records.set(recordKey(colId, item.itemId, r.version, r.updatedAt, item.extrasRev), entry);
      found.set(item.itemId, { item, entry });
    }
  }
  return stamps.flatMap((s) => { const c = found.get(s.itemId); return c ? [c] : []; });
}

async function calendarQuery(req: DavRequest, col: DavCollection, body: CalendarQuery): Promise<DavResponse> {
  const candidates = await calendarQueryCandidates(req, col, body);
  const items = candidates.map((c) => c.item);
  const env = propEnv(req, await directoryFor(req, items), { calendarData: body.calendarData });
  const limits = req.state.limits;
  const simple = simpleComponentFilter(body.filter);
  const matching = candidates.filter(({ item, entry }) => {
    const overlaps = (r: { start?: number; end?: number }) => (entry ? seriesOverlaps(entry, r, limits) : undefined) ?? objectOverlaps(item.data, r, limits);
    const facts = { component: col.component ?? 'VEVENT', overlaps };
    if (simple) return simple.name === facts.component && (simple.timeRange === null || facts.overlaps(simple.timeRange));
    const text = req.state.renderer.render(col.collection.id, item, 'ical', env.directory).body;
    return matchesCalendarFilter(parseCalendarTree(text), body.filter, facts);
  }).map((c) => c.item);
  if (matching.length > limits.maxQueryResults) {
    throw forbidden(`the query matches more than ${limits.maxQueryResults} items; narrow it`, dav('number-of-matches-within-limits'));
  }
  const ms = new MultistatusStream();
  return answer(req, body.calendarData, ms, loadedResponses(req, ms, matching, col, body.select, env, wantsMinimal(req)));
}

// ---- addressbook-query (RFC 6352 §8.6)

async function addressbookQuery(req: DavRequest, col: DavCollection, body: AddressbookQuery): Promise<DavResponse> {
  const items = await loadAllItems(req, col);
  const env = propEnv(req, await directoryFor(req, items), { addressData: body.addressData });
  const cap = Math.min(body.limit?.nresults ?? Number.MAX_SAFE_INTEGER, req.state.limits.maxQueryResults);
  const matching: LoadedItem[] = [];
  let truncated = false;
  for (const item of items) {
    const text = req.state.renderer.render(col.collection.id, item, 'vcard3', env.directory).body;
    if (!matchesAddressbookFilter(text, body.filter)) continue;
    if (matching.length >= cap) { truncated = true; break; }
    matching.push(item);
  }
  const ms = new MultistatusStream();
  function* batches(): Generator<readonly Fragment[]> {
    yield* loadedResponses(req, ms, matching, col, body.select, env, wantsMinimal(req));
    // §8.6.1: a truncated answer says so with 507 on the request-URI.
    if (truncated) yield [ms.response({ type: 'status', hrefs: [col.href], status: 507, error: dav('number-of-matches-within-limits') })];
  }
  return answer(req, null, ms, batches());
}

// ---- free-busy-query (RFC 4791 §7.10)

async function freeBusyQuery(req: DavRequest, col: DavCollection, body: FreeBusyQuery): Promise<DavResponse> {
  const items = await loadAllItems(req, col);
  const inputs = items.flatMap((i) => i.data.unit === 'calendar'
    ? [{ appointment: i.data.record, transparent: i.extras?.type === 'ical' && i.extras.extras.component.some((l) => /^TRANSP:TRANSPARENT\s*$/i.test(l)) }]
    : []);
  const text = freeBusy(inputs, body.timeRange, req.state.ctx.now(), req.state.limits);
  return { status: 200, headers: { 'content-type': 'text/calendar; charset=utf-8' }, body: text };
}

// ---- sync-collection (RFC 6578 §3)

const invalidToken = (why: string) => new DavError(403, why, dav('valid-sync-token'));

async function syncCollection(req: DavRequest, col: DavCollection, body: SyncCollection): Promise<DavResponse> {
  const { ctx } = req.state;
  const limit = body.limit?.nresults;
  const minimal = wantsMinimal(req);
  const data = { calendarData: body.calendarData, addressData: body.addressData, budget: { instances: req.state.limits.maxInstancesPerRequest } };
  const ms = new MultistatusStream();
  if (body.syncToken === '') {
    // Initial sync: every member. With a limit, the members changed longest ago come first and
    // the token is the revision of the last one delivered, so the next request continues there.
    const members = await req.state.stamps.byRevision(ctx, col);
    const truncated = limit !== undefined && members.length > limit;
    const taken = truncated ? members.slice(0, limit) : members;
    async function* batches(): AsyncGenerator<readonly Fragment[]> {
      yield* itemResponses(req, col, taken, body.select, ms, { minimal, ...data, fromSnapshot: true });
      if (truncated) yield [ms.response({ type: 'status', hrefs: [col.href], status: 507, error: dav('number-of-matches-within-limits') })];
    }
    const revision = truncated ? taken[taken.length - 1]!.revision : col.collection.revision;
    return answer(req, body.calendarData, ms, batches(), () => ({ syncToken: syncToken(col, revision) }));
  }
  const since = parseSyncToken(col, body.syncToken);
  if (since === null) throw invalidToken('this sync-token was not issued for this collection; sync again from scratch');
  let changes;
  try {
    changes = await changesSince(ctx, col.collection.id, since, limit);
  } catch (e) {
    if (e instanceof ExpiredRevisionError || (e instanceof CrmError && e.code === 'invalid')) throw invalidToken(`${e.message}; sync again from scratch`);
    throw e;
  }
  const upserts = changes.changes.filter((c) => c.op === 'upsert').map((c) => c.itemId);
  const removals = changes.changes.filter((c) => c.op === 'remove').map((c) => c.itemId);
  const refs = await refsOf(ctx, col, [...upserts, ...removals]);
  const stamps = await stampsOf(ctx, col, upserts.map((id) => refs.get(id)!));
  const present = new Set(stamps.map((s) => s.itemId));
  const gone = [...removals, ...upserts.filter((id) => !present.has(id))];
  const { truncated, revision } = changes;
  async function* batches(): AsyncGenerator<readonly Fragment[]> {
    yield* itemResponses(req, col, stamps, body.select, ms, { minimal, ...data, fromSnapshot: false, gone: (s) => gone.push(s.itemId) });
    // §3.5.2: removed members (and upserts whose record vanished meanwhile) as 404.
    yield gone.map((id) => ms.response({ type: 'status', hrefs: [hrefs.item(col.href, refs.get(id)!.name)], status: 404 }));
    if (truncated) yield [ms.response({ type: 'status', hrefs: [col.href], status: 507, error: dav('number-of-matches-within-limits') })];
  }
  return answer(req, body.calendarData, ms, batches(), () => ({ syncToken: syncToken(col, revision) }));
}
