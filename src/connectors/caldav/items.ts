// Item reads and writes: calendar-multiget / addressbook-multiget (RFC 4791 §7.9, RFC 6352 §8.7),
// conditional PUT (RFC 9110 §13.1: If-None-Match for creates, If-Match for updates) and DELETE.
import type { Unit } from '../../domain/records.js';
import { FormatError } from '../../formats/index.js';
import { RemoteError, type FetchResult, type RemoteItem, type RemoteRef, type UnitPayload } from '../types.js';
import { canonicalUrl, memberUrl, pathOfUrl } from './hrefs.js';
import type { ListedText } from './changes.js';
import type { DavHttp, DavReply, DavRequest } from './http.js';
import { readItem, writeItem, type AttendeeDirectory } from './mapping.js';
import { multigetBody, P, parseMultistatus, propfindBody, text } from './xml.js';

/** Hrefs per multiget request. */
export const MULTIGET_BATCH = 100;

export interface ItemContext {
  http: DavHttp;
  directory: AttendeeDirectory;
  now: () => number;
}

/**
 * Reads items: those whose text came with the last listing (`listed`, see changes.ts) from
 * there, the others by multiget. A listed text is the item as the listing reported it, version
 * and content from the same answer.
 */
export async function fetchItems(
  ctx: ItemContext, collection: string, unit: Unit, refs: readonly string[], listed: ReadonlyMap<string, ListedText> = new Map(),
): Promise<FetchResult> {
  const result: FetchResult = { items: [], skipped: [] };
  const wanted: string[] = [];
  for (const ref of new Set(refs.map((r) => canonicalUrl(r, collection)))) {
    const known = listed.get(ref);
    if (known) readInto(ctx, result, unit, ref, known.version, known.text);
    else wanted.push(ref);
  }
  for (let i = 0; i < wanted.length; i += MULTIGET_BATCH) {
    const batch = wanted.slice(i, i + MULTIGET_BATCH);
    const kind = unit === 'contacts' ? 'addressbook' : 'calendar';
    const reply = await ctx.http.ok({ method: 'REPORT', url: collection, depth: '1', body: multigetBody(kind, batch.map(pathOfUrl)) }, 'collection');
    const asked = new Set(batch);
    for (const e of parseMultistatus(reply.body).entries) {
      const ref = canonicalUrl(e.href, collection);
      const data = text(e.props.get(unit === 'contacts' ? P.addressData : P.calendarData));
      if (!asked.has(ref) || data === null) continue; // 404: gone since it was listed
      asked.delete(ref);
      readInto(ctx, result, unit, ref, text(e.props.get(P.getetag)) ?? '', data);
    }
  }
  return result;
}

function readInto(ctx: ItemContext, result: FetchResult, unit: Unit, ref: string, version: string, data: string): void {
  try {
    const read = readItem(unit, data, ctx.directory);
    if (read.ok) result.items.push({ ref, version, uid: read.uid, crmId: read.crmId, payload: read.payload, raw: data });
    else result.skipped.push({ ref, version, reason: read.reason, otherUnit: true });
  } catch (err) {
    if (!(err instanceof FormatError)) throw err;
    result.skipped.push({ ref, version, reason: err.message, otherUnit: err.code === 'unsupported-component' });
  }
}

const CONTENT_TYPE = { contacts: 'text/vcard; charset=utf-8', calendar: 'text/calendar; charset=utf-8', tasks: 'text/calendar; charset=utf-8' } as const;

/**
 * M2: PUT to the member derived from `key` with If-None-Match: * (RFC 9110 §13.1.2). A 412 means
 * an earlier attempt of this very create got through: the item there is ours, returned as existed.
 */
export async function createItem(
  ctx: ItemContext, collection: string, key: string, uid: string, crmId: string, payload: UnitPayload,
): Promise<RemoteRef & { existed: boolean }> {
  const ref = memberUrl(collection, key, payload.unit === 'contacts' ? 'vcf' : 'ics');
  const body = writeItem(payload, { uid, crmId, original: null, directory: ctx.directory, now: ctx.now() });
  const req: DavRequest = { method: 'PUT', url: ref, body, contentType: CONTENT_TYPE[payload.unit], headers: { 'if-none-match': '*' } };
  const reply = effective(await ctx.http.send(req));
  if (reply.status === 412) {
    const existing = await fetchItems(ctx, collection, payload.unit, [ref]);
    const item = existing.items[0] ?? existing.skipped[0];
    if (!item) throw new RemoteError('transient', `PUT ${new URL(ref).pathname}: 412, but nothing found there`, null, 412);
    return { ref, version: item.version, existed: true };
  }
  if (reply.status < 200 || reply.status > 299) throw ctx.http.fail(req, reply, 'item');
  return { ref, version: await versionAfterWrite(ctx, ref, reply.headers), existed: false };
}

/** PUT with If-Match; the original text's unknown properties are merged back in (`raw`). */
export async function updateItem(
  ctx: ItemContext, item: RemoteRef & { raw: unknown; uid: string; crmId: string }, payload: UnitPayload,
): Promise<RemoteRef> {
  const original = typeof item.raw === 'string' ? item.raw : null;
  const body = writeItem(payload, { uid: item.uid, crmId: item.crmId, original, directory: ctx.directory, now: ctx.now() });
  const req: DavRequest = { method: 'PUT', url: item.ref, body, contentType: CONTENT_TYPE[payload.unit], headers: { 'if-match': item.version } };
  const reply = effective(await ctx.http.send(req));
  if (reply.status < 200 || reply.status > 299) throw ctx.http.fail(req, reply, 'item');
  return { ref: item.ref, version: await versionAfterWrite(ctx, item.ref, reply.headers) };
}

/** DELETE with If-Match; already gone (404/410) is success. */
export async function deleteItem(ctx: ItemContext, item: RemoteRef): Promise<void> {
  const req: DavRequest = { method: 'DELETE', url: item.ref, headers: item.version ? { 'if-match': item.version } : {} };
  const reply = effective(await ctx.http.send(req));
  if (reply.status === 404 || reply.status === 410 || (reply.status >= 200 && reply.status <= 299)) return;
  throw ctx.http.fail(req, reply, 'item');
}

/**
 * The outcome of a PUT/DELETE. Xandikos answers a refused PUT with 207 Multi-Status holding the
 * real status (e.g. 412 with CALDAV:no-uid-conflict); that is a failure, not a success. A
 * no-uid-conflict (RFC 4791 §5.3.2.1, RFC 6352 §6.3.2.1) is the item's data clashing with another
 * resource, never our If-None-Match/If-Match precondition: it is reported as 409 (rejected item).
 */
function effective(reply: DavReply): DavReply {
  if (reply.status !== 207) return reply;
  const inner = parseMultistatus(reply.body).entries.find((e) => e.status !== null)?.status ?? 500;
  if (!/no-uid-conflict/.test(reply.body)) return { ...reply, status: inner };
  return { ...reply, status: inner === 412 ? 409 : inner, body: '<error xmlns="DAV:"><no-uid-conflict/></error>' };
}

/**
 * RFC 4791 §5.3.4 / RFC 6352 §6.3.2.3: a strong ETag in the PUT response means the server stored
 * our bytes; without one (or with a weak one) the stored version is asked for.
 */
async function versionAfterWrite(ctx: ItemContext, ref: string, headers: Headers): Promise<string> {
  const etag = headers.get('etag');
  if (etag && !etag.startsWith('W/')) return etag;
  const reply = await ctx.http.ok({ method: 'PROPFIND', url: ref, depth: '0', body: propfindBody(['D:getetag']) }, 'item');
  const version = text(parseMultistatus(reply.body).entries[0]?.props.get(P.getetag));
  if (!version) throw new RemoteError('fatal', `PROPFIND ${new URL(ref).pathname}: the server reports no ETag`);
  return version;
}
