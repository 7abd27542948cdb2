// REPORT (RFC 3253 §3.6): calendar-multiget / calendar-query / free-busy-query (RFC 4791 §7),
// addressbook-multiget / addressbook-query (RFC 6352 §8), sync-collection (RFC 6578 §3).
import { changesSince } from '../../crm/syncSets.js';
import { CrmError, ExpiredRevisionError } from '../../domain/errors.js';
import { DavError, forbidden } from '../errors.js';
import { loadItems, refsOf, stampsOf, type LoadedItem } from '../items.js';
import { itemsForProps } from './light.js';
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
  dav, parseReport, type AddressbookMultiget, type AddressbookQuery, type CalendarMultiget, type CalendarQuery,
  type CompFilter, type FreeBusyQuery, type MultistatusResponse, type PropSelection, type SyncCollection,
} from '../xml/index.js';
import { directoryFor, itemTarget, loadAllItems, multistatus, propEnv, wantsMinimal, type DavResponse } from './common.js';

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

function propstatResponses(items: readonly LoadedItem[], col: DavCollection, select: PropSelection, env: PropEnv, minimal: boolean): MultistatusResponse[] {
  return items.map((item) => ({ type: 'propstat', href: item.href, propstats: evaluateProps(itemTarget(col, item), select, env, minimal) }));
}

// ---- multiget (RFC 4791 §7.9, RFC 6352 §8.7)

async function multiget(req: DavRequest, resource: Resource, body: CalendarMultiget | AddressbookMultiget): Promise<DavResponse> {
  const home = body.type === 'calendar-multiget' ? 'calendars' : 'addressbooks';
  const inScope = (resource.type === 'collection' && resource.col.home === home) || (resource.type === 'home' && resource.home === home);
  if (!inScope) throw forbidden(`${body.type} is answered on ${home === 'calendars' ? 'calendar' : 'address book'} collections`, dav('supported-report'));
  if (body.hrefs.length > req.state.limits.maxMultigetHrefs) {
    throw forbidden(`at most ${req.state.limits.maxMultigetHrefs} hrefs per multiget`, dav('number-of-matches-within-limits'));
  }
  const user = req.identity.user;
  const collections = await userCollections(req.state.ctx, user);
  const wanted = new Map<DavCollection, { href: string; name: string }[]>();
  const missing: string[] = [];
  for (const href of body.hrefs) {
    const p = parseHref(href);
    const col = p?.kind === 'item' && p.user === user.username ? collections.find((c) => c.home === p.home && c.slug === p.slug) : undefined;
    const inRequest = col !== undefined && (resource.type === 'home' || (resource.type === 'collection' && resource.col.collection.id === col.collection.id));
    if (!col || !inRequest || p?.kind !== 'item') { missing.push(href); continue; }
    const list = wanted.get(col) ?? [];
    list.push({ href, name: p.name });
    wanted.set(col, list);
  }
  const loaded: { col: DavCollection; item: LoadedItem }[] = [];
  for (const [col, list] of wanted) {
    // Names resolve against the collection's stamp snapshot (no query while it is current).
    const byName = await req.state.stamps.byName(req.state.ctx, col);
    const found = new Set<string>();
    const stamps = [...new Set(list.map((x) => x.name))].flatMap((n) => { const st = byName.get(n); return st ? [st] : []; });
    const items = await itemsForProps(req, col, stamps, body.select, body.type === 'addressbook-multiget' ? body.addressData : null);
    for (const item of items) { loaded.push({ col, item }); found.add(item.name); }
    for (const x of list) if (!found.has(x.name)) missing.push(x.href);
  }
  const env = propEnv(req, await directoryFor(req, loaded.map((l) => l.item)), {
    calendarData: body.type === 'calendar-multiget' ? body.calendarData : null,
    addressData: body.type === 'addressbook-multiget' ? body.addressData : null,
  });
  const minimal = wantsMinimal(req);
  const responses: MultistatusResponse[] = [
    ...loaded.map(({ col, item }) => ({ type: 'propstat' as const, href: item.href, propstats: evaluateProps(itemTarget(col, item), body.select, env, minimal) })),
    ...missing.map((href) => ({ type: 'status' as const, hrefs: [href] as [string], status: 404 })),
  ];
  return multistatus({ responses });
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

async function calendarQueryCandidates(req: DavRequest, col: DavCollection, body: CalendarQuery): Promise<LoadedItem[]> {
  const range = col.unit === 'calendar' ? requiredEventRange(body.filter) : null;
  if (range === null) return loadAllItems(req, col);
  const { ctx } = req.state;
  let q = ctx.db.selectFrom('collection_members').innerJoin('appointments', 'appointments.id', 'collection_members.item_id')
    .select('collection_members.item_id as item_id').where('collection_members.collection_id', '=', col.collection.id);
  if (range.end !== undefined) { const end = range.end + BOUNDS_SLACK_MS; q = q.where('appointments.start_ms', '<', end); }
  if (range.start !== undefined) {
    const start = range.start - BOUNDS_SLACK_MS;
    q = q.where((eb) => eb.or([eb('appointments.last_end_ms', 'is', null), eb('appointments.last_end_ms', '>', start)]));
  }
  const ids = (await q.execute()).map((r) => r.item_id);
  const refs = await refsOf(ctx, col, ids);
  return loadItems(ctx, col, ids.map((id) => refs.get(id)!));
}

async function calendarQuery(req: DavRequest, col: DavCollection, body: CalendarQuery): Promise<DavResponse> {
  const items = await calendarQueryCandidates(req, col, body);
  const env = propEnv(req, await directoryFor(req, items), { calendarData: body.calendarData });
  const limits = req.state.limits;
  const simple = simpleComponentFilter(body.filter);
  const matching = items.filter((item) => {
    const facts = { component: col.component ?? 'VEVENT', overlaps: (r: { start?: number; end?: number }) => objectOverlaps(item.data, r, limits) };
    if (simple) return simple.name === facts.component && (simple.timeRange === null || facts.overlaps(simple.timeRange));
    const text = req.state.renderer.render(col.collection.id, item, 'ical', env.directory).body;
    return matchesCalendarFilter(parseCalendarTree(text), body.filter, facts);
  });
  if (matching.length > limits.maxQueryResults) {
    throw forbidden(`the query matches more than ${limits.maxQueryResults} items; narrow it`, dav('number-of-matches-within-limits'));
  }
  return multistatus({ responses: propstatResponses(matching, col, body.select, env, wantsMinimal(req)) });
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
  const responses = propstatResponses(matching, col, body.select, env, wantsMinimal(req));
  // §8.6.1: a truncated answer says so with 507 on the request-URI.
  if (truncated) responses.push({ type: 'status', hrefs: [col.href], status: 507, error: dav('number-of-matches-within-limits') });
  return multistatus({ responses });
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
  const env = (items: LoadedItem[]) => directoryFor(req, items).then((d) => propEnv(req, d, { calendarData: body.calendarData, addressData: body.addressData }));
  if (body.syncToken === '') {
    // Initial sync: every member. With a limit, the members changed longest ago come first and
    // the token is the revision of the last one delivered, so the next request continues there.
    const members = [...await req.state.stamps.list(ctx, col)].sort((a, b) => a.revision - b.revision);
    const truncated = limit !== undefined && members.length > limit;
    const taken = truncated ? members.slice(0, limit) : members;
    const items = await itemsForProps(req, col, taken, body.select, body.addressData);
    const responses = propstatResponses(items, col, body.select, await env(items), minimal);
    if (truncated) responses.push({ type: 'status', hrefs: [col.href], status: 507, error: dav('number-of-matches-within-limits') });
    const revision = truncated ? taken[taken.length - 1]!.revision : col.collection.revision;
    return multistatus({ responses, syncToken: syncToken(col, revision) });
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
  const items = await itemsForProps(req, col, await stampsOf(ctx, col, upserts.map((id) => refs.get(id)!)), body.select, body.addressData);
  const present = new Set(items.map((i) => i.itemId));
  const responses: MultistatusResponse[] = [
    ...propstatResponses(items, col, body.select, await env(items), minimal),
    // §3.5.2: removed members (and upserts whose record vanished meanwhile) as 404.
    ...[...removals, ...upserts.filter((id) => !present.has(id))].map((id) => ({
      type: 'status' as const, hrefs: [hrefs.item(col.href, refs.get(id)!.name)] as [string], status: 404,
    })),
  ];
  if (changes.truncated) responses.push({ type: 'status', hrefs: [col.href], status: 507, error: dav('number-of-matches-within-limits') });
  return multistatus({ responses, syncToken: syncToken(col, changes.revision) });
}

