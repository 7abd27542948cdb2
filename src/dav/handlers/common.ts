// Shared pieces of the method handlers: the response shape, multistatus bodies (whole or
// streamed), Brief/Prefer, loading a collection's items and building the property environment.
import type { Appointment } from '../../domain/records.js';
import { notFound } from '../errors.js';
import { listItems, loadItems, resolveNames, type LoadedItem } from '../items.js';
import type { PropEnv, Target } from '../props/index.js';
import { Directory, defaultRepresentation, vcardRepresentation, type Representation } from '../render.js';
import type { DavCollection } from '../resources.js';
import { header, type DavRequest } from '../state.js';
import {
  MultistatusStream, serializeMultistatus, type AddressDataRequest, type CalendarDataRequest, type Multistatus,
} from '../xml/index.js';

export interface DavResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * A body produced a chunk at a time instead of `body` (streamedMultistatus). Everything that
   * may refuse the request has been checked before the response is returned; server.ts sends
   * the first chunks before committing to the status, and a failure after that is logged and
   * the connection closed (a client sees a truncated body, never a 207 turning into an error).
   */
  readonly chunks?: AsyncIterable<Buffer>;
}

export const XML_TYPE = 'application/xml; charset=utf-8';
/** RFC 4918 §10.1 compliance classes, RFC 3744, RFC 4791 §5.1, RFC 6352 §6.1, RFC 6578. */
export const DAV_HEADER = '1, 3, access-control, calendar-access, addressbook, sync-collection';

export function multistatus(ms: Multistatus): DavResponse {
  return { status: 207, headers: { 'content-type': XML_TYPE }, body: serializeMultistatus(ms) };
}

/** A `response` element as written by a MultistatusStream, as text or as its UTF-8 bytes (cached ones). */
export type Fragment = string | Buffer;

/**
 * A 207 whose `response` elements come from `batches` (fragments of `ms`, or cached ones) and
 * are serialised and sent a chunk at a time, so a 50,000-item answer never exists as a whole
 * (peak RSS, issue 3 item 9). Chunks are bytes: cached fragments are copied, not re-encoded.
 * `tail` is read after the last batch (sync-token).
 */
export function streamedMultistatus(
  req: DavRequest, ms: MultistatusStream, batches: AsyncIterable<readonly Fragment[]> | Iterable<readonly Fragment[]>,
  tail: () => Pick<Multistatus, 'description' | 'syncToken'> = () => ({}), headers: Readonly<Record<string, string>> = {},
): DavResponse {
  const chunkBytes = req.state.limits.streamChunkBytes;
  async function* chunks(): AsyncGenerator<Buffer> {
    let parts: Buffer[] = [Buffer.from(ms.start())];
    let size = parts[0]!.length;
    for await (const batch of batches) {
      for (const f of batch) {
        const b = typeof f === 'string' ? Buffer.from(f) : f;
        parts.push(b);
        size += b.length;
      }
      if (size >= chunkBytes) {
        yield Buffer.concat(parts, size);
        parts = [];
        size = 0;
      }
    }
    parts.push(Buffer.from(ms.end(tail())));
    yield Buffer.concat(parts);
  }
  return { status: 207, headers: { 'content-type': XML_TYPE, ...headers }, chunks: chunks() };
}

/**
 * The batches of `source`, all produced before the first byte is sent: for answers whose
 * evaluation may still refuse the request (an expansion past the request's budget is a 403).
 */
export async function eagerly(source: AsyncIterable<readonly Fragment[]>): Promise<(readonly Fragment[])[]> {
  const all: (readonly Fragment[])[] = [];
  for await (const batch of source) all.push(batch);
  return all;
}

/** RFC 8144 `Prefer: return=minimal` and Apple's `Brief: t`: leave 404 propstats out. */
export function wantsMinimal(req: DavRequest): boolean {
  const prefer = header(req, 'prefer') ?? '';
  const brief = (header(req, 'brief') ?? '').trim().toLowerCase();
  return /(^|[,\s])return=minimal\b/i.test(prefer) || brief === 't';
}

export async function loadOneItem(req: DavRequest, col: DavCollection, name: string): Promise<LoadedItem | null> {
  const ref = (await resolveNames(req.state.ctx, col, [name])).get(name);
  if (!ref) return null;
  return (await loadItems(req.state.ctx, col, [ref]))[0] ?? null;
}

export async function requireItem(req: DavRequest, col: DavCollection, name: string): Promise<LoadedItem> {
  const item = await loadOneItem(req, col, name);
  if (!item) throw notFound();
  return item;
}

export async function loadAllItems(req: DavRequest, col: DavCollection): Promise<LoadedItem[]> {
  return loadItems(req.state.ctx, col, await listItems(req.state.ctx, col));
}

export async function directoryFor(req: DavRequest, items: readonly LoadedItem[]): Promise<Directory> {
  const appts: Appointment[] = items.flatMap((i) => (i.data.unit === 'calendar' ? [i.data.record] : []));
  return appts.length === 0 ? Directory.EMPTY : Directory.load(req.state.ctx, appts);
}

export function propEnv(
  req: DavRequest, directory: Directory,
  data: { calendarData?: CalendarDataRequest | null; addressData?: AddressDataRequest | null } = {},
  budget: { instances: number } = { instances: req.state.limits.maxInstancesPerRequest },
): PropEnv {
  const addressData = data.addressData ?? null;
  const vcard: Representation = vcardRepresentation(header(req, 'accept'), addressData?.version);
  return {
    state: req.state,
    identity: req.identity,
    directory,
    repr: (item) => (item.data.unit === 'contacts' ? vcard : defaultRepresentation(item)),
    calendarData: data.calendarData ?? null,
    addressData,
    budget,
  };
}

/** Whether evaluating the selection may still refuse the request (RFC 4791 §9.6.5 expand past the budget). */
export const mayRefuse = (calendarData: CalendarDataRequest | null | undefined) => calendarData?.recurrence?.type === 'expand';

export const itemTarget = (col: DavCollection, item: LoadedItem): Target => ({ type: 'item', href: item.href, col, item });
