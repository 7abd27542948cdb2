// The `response` elements of a collection's members, a chunk at a time (issue 3 item 9), for
// PROPFIND depth 1, multiget and sync-collection. Contacts are answered without loading their
// records where the selection allows it: from the renderer's caches, found by each item's stamp
// (id, version, updated-at, extras revision: one light query, no record data), or from the
// response fragment the same selection produced at the collection's current revision (its
// bytes depend only on the stamp, the selection and the user: see `fragmentKey`). Only items
// whose render is not cached are loaded and rendered, `limits.itemBatch` at a time. Appointments and
// tasks always load, a chunk at a time: an appointment's bytes also depend on its people's
// names, and calendar-data may expand the record.
import { chunks } from '../../crm/context.js';
import type { Contact } from '../../domain/records.js';
import { loadItems, refsOf, type ItemStamp, type LoadedItem } from '../items.js';
import { evaluateProps, REGISTRY } from '../props/index.js';
import { Directory, vcardRepresentation, type Representation } from '../render.js';
import type { DavCollection } from '../resources.js';
import { header, type DavRequest } from '../state.js';
import {
  carddav, dav, qkey, type AddressDataRequest, type CalendarDataRequest, type MultistatusStream, type PropSelection,
} from '../xml/index.js';
import { directoryFor, itemTarget, propEnv, type Fragment } from './common.js';

/** Item properties computed from a cached render's metadata or the stamp alone. */
const META_PROPS = new Set(['getetag', 'getcontenttype', 'getcontentlength', 'getlastmodified', 'creationdate', 'resourcetype', 'current-user-privilege-set', 'current-user-principal'].map((n) => qkey(dav(n))));
/** Item properties that need the cached body. */
const BODY_PROPS = new Set([qkey(carddav('address-data'))]);

/** What a selection needs of each item when no record is loaded: metadata, the body, or no light path. */
export function lightNeed(col: DavCollection, select: PropSelection): 'meta' | 'body' | null {
  if (col.unit !== 'contacts' || select.type !== 'prop') return null;
  let need: 'meta' | 'body' = 'meta';
  for (const p of select.props) {
    const key = qkey(p);
    if (META_PROPS.has(key)) continue;
    if (BODY_PROPS.has(key)) { need = 'body'; continue; }
    if (REGISTRY.has(key)) return null; // a property of the registry the light path does not know
    // not in the registry: a 404 propstat (items have no dead properties)
  }
  return need;
}

export interface ItemResponseOptions {
  readonly minimal: boolean;
  readonly calendarData?: CalendarDataRequest | null;
  readonly addressData?: AddressDataRequest | null;
  /** Expansion budget shared by the whole request (calendar-data expand). */
  readonly budget?: { instances: number };
  /**
   * The stamps are the collection's current snapshot (StampCache), so the fragments may be
   * kept with it; false for stamps read otherwise (incremental sync).
   */
  readonly fromSnapshot: boolean;
  /** Told of members whose record vanished since the stamps were read (they get no response here). */
  readonly gone?: (stamp: ItemStamp) => void;
}

/**
 * Everything a light-path fragment's bytes depend on besides the item's stamp: the selection,
 * the representation, Prefer/Brief, the address-data subset, and the user (the principal's
 * href, the privileges of the collection for them).
 */
function fragmentKey(req: DavRequest, col: DavCollection, select: PropSelection, repr: Representation, opts: ItemResponseOptions): string | null {
  if (select.type !== 'prop') return null;
  const props = opts.addressData?.props;
  return [
    select.props.map(qkey).join(' '), repr, opts.minimal ? 'minimal' : 'full',
    props ? props.map((p) => `${p.name}${p.novalue ? '!' : ''}`).join(',') : '*',
    req.identity.user.id, col.readOnlyReason ?? '',
  ].join('\u0000');
}

/** The `response` fragments of `stamps`, in order, one chunk per yield; members gone meanwhile are left out. */
export async function* itemResponses(
  req: DavRequest, col: DavCollection, stamps: readonly ItemStamp[], select: PropSelection, ms: MultistatusStream, opts: ItemResponseOptions,
): AsyncGenerator<Fragment[]> {
  const need = lightNeed(col, select);
  const budget = opts.budget ?? { instances: req.state.limits.maxInstancesPerRequest };
  const data = { calendarData: opts.calendarData ?? null, addressData: opts.addressData ?? null };
  if (need === null) {
    for (const part of chunks(stamps, req.state.limits.itemBatch)) {
      const refs = await refsOf(req.state.ctx, col, part.map((s) => s.itemId));
      const items = await loadItems(req.state.ctx, col, part.map((s) => refs.get(s.itemId)!));
      if (opts.gone && items.length < part.length) {
        const found = new Set(items.map((i) => i.itemId));
        for (const s of part) if (!found.has(s.itemId)) opts.gone(s);
      }
      const env = propEnv(req, await directoryFor(req, items), data, budget);
      yield items.map((item) => ms.response({ type: 'propstat', href: item.href, propstats: evaluateProps(itemTarget(col, item), select, env, opts.minimal) }));
    }
    return;
  }
  const { renderer, stamps: stampCache } = req.state;
  const repr = vcardRepresentation(header(req, 'accept'), opts.addressData?.version);
  const env = propEnv(req, Directory.EMPTY, data, budget);
  const key = opts.fromSnapshot ? fragmentKey(req, col, select, repr, opts) : null;
  const kept = key === null ? null : stampCache.fragments(col, key);
  const colId = col.collection.id;
  const respond = (s: ItemStamp, item: LoadedItem): Fragment => {
    const text = ms.response({ type: 'propstat', href: item.href, propstats: evaluateProps(itemTarget(col, item), select, env, opts.minimal) });
    if (!kept) return text;
    // Kept as bytes: a later answer copies them into its chunk without re-encoding.
    const bytes = Buffer.from(text);
    kept.keep(s, bytes);
    return bytes;
  };
  for (const part of chunks(stamps, req.state.limits.itemBatch)) {
    const out: (Fragment | undefined)[] = new Array(part.length);
    const cold: number[] = [];
    for (let i = 0; i < part.length; i++) {
      const s = part[i]!;
      const fragment = kept?.get(s);
      if (fragment !== undefined) { out[i] = fragment; continue; }
      const stampKey = { id: s.itemId, version: s.version, updatedAt: s.updatedAt, extrasRev: s.extrasRev, people: '' };
      const cached = need === 'body' ? renderer.cachedBody(colId, stampKey, repr) : renderer.cachedMeta(colId, stampKey, repr);
      if (!cached) { cold.push(i); continue; }
      out[i] = respond(s, stub(s, cached));
    }
    if (cold.length > 0) {
      // Cold items are loaded and rendered here and dropped after their fragment is written, so
      // a first listing of a 50,000-contact address book never holds 50,000 records at once.
      const refs = await refsOf(req.state.ctx, col, cold.map((i) => part[i]!.itemId));
      const loaded = new Map((await loadItems(req.state.ctx, col, cold.map((i) => refs.get(part[i]!.itemId)!))).map((it) => [it.itemId, it]));
      for (const i of cold) {
        const item = loaded.get(part[i]!.itemId);
        if (!item) { opts.gone?.(part[i]!); continue; }
        const rendered = renderer.render(colId, item, repr, Directory.EMPTY, { keepBody: need === 'body' });
        out[i] = respond(part[i]!, stub(part[i]!, rendered));
      }
    }
    yield out.filter((f): f is Fragment => f !== undefined);
  }
}

/** An item carrying its cached render instead of its record (only the stamp's fields are set). */
function stub(s: ItemStamp, cached: LoadedItem['cached'] & object): LoadedItem {
  const record = { id: s.itemId, version: s.version, createdAt: s.createdAt, updatedAt: s.updatedAt } as Contact;
  return { itemId: s.itemId, name: s.name, extras: null, extrasRev: s.extrasRev, href: s.href, data: { unit: 'contacts', record }, cached };
}
