// Shared pieces of the method handlers: the response shape, multistatus bodies, Brief/Prefer,
// loading a collection's items and building the property environment.
import type { Appointment } from '../../domain/records.js';
import { notFound } from '../errors.js';
import { listItems, loadItems, resolveNames, type LoadedItem } from '../items.js';
import type { PropEnv, Target } from '../props/index.js';
import { Directory, defaultRepresentation, vcardRepresentation, type Representation } from '../render.js';
import type { DavCollection } from '../resources.js';
import { header, type DavRequest } from '../state.js';
import { serializeMultistatus, type AddressDataRequest, type CalendarDataRequest, type Multistatus } from '../xml/index.js';

export interface DavResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export const XML_TYPE = 'application/xml; charset=utf-8';
/** RFC 4918 §10.1 compliance classes, RFC 3744, RFC 4791 §5.1, RFC 6352 §6.1, RFC 6578. */
export const DAV_HEADER = '1, 3, access-control, calendar-access, addressbook, sync-collection';

export function multistatus(ms: Multistatus): DavResponse {
  return { status: 207, headers: { 'content-type': XML_TYPE }, body: serializeMultistatus(ms) };
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
    budget: { instances: req.state.limits.maxInstancesPerRequest },
  };
}

export const itemTarget = (col: DavCollection, item: LoadedItem): Target => ({ type: 'item', href: item.href, col, item });
