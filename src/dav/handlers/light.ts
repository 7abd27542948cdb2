// Items for a property evaluation without loading their records (issue 3 item 9). PROPFIND
// depth 1, sync-collection and multiget of unchanged contacts are answered from the renderer's
// caches, found by each item's stamp (id, version, updated-at, extras revision: one light query,
// no record data); only items whose render is not cached are loaded and rendered. Appointments
// and tasks always load: an appointment's bytes also depend on its people's names, and
// calendar-data may expand the record.
import type { Contact } from '../../domain/records.js';
import { loadItems, refsOf, type ItemStamp, type LoadedItem } from '../items.js';
import { REGISTRY } from '../props/index.js';
import { Directory, vcardRepresentation } from '../render.js';
import { chunks } from '../../crm/context.js';
import type { DavCollection } from '../resources.js';
import { header, type DavRequest } from '../state.js';
import { carddav, dav, qkey, type AddressDataRequest, type PropSelection } from '../xml/index.js';

/** Item properties computed from a cached render's metadata or the stamp alone. */
const META_PROPS = new Set(['getetag', 'getcontenttype', 'getcontentlength', 'getlastmodified', 'creationdate', 'resourcetype', 'current-user-privilege-set', 'current-user-principal'].map((n) => qkey(dav(n))));
/** Item properties that need the cached body. */
const BODY_PROPS = new Set([qkey(carddav('address-data'))]);

const COLD_CHUNK = 1000;

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

/**
 * The items behind `stamps`, in order: a stub carrying its cached render where the selection
 * allows it, the loaded record otherwise.
 */
export async function itemsForProps(
  req: DavRequest, col: DavCollection, stamps: readonly ItemStamp[], select: PropSelection, addressData: AddressDataRequest | null = null,
): Promise<LoadedItem[]> {
  const { ctx, renderer } = req.state;
  const need = lightNeed(col, select);
  const repr = vcardRepresentation(header(req, 'accept'), addressData?.version);
  const out = new Map<string, LoadedItem>();
  const missing: ItemStamp[] = [];
  if (need === null) {
    missing.push(...stamps);
  } else {
    const colId = col.collection.id;
    for (const s of stamps) {
      const key = { id: s.itemId, version: s.version, updatedAt: s.updatedAt, extrasRev: s.extrasRev, people: '' };
      const cached = need === 'body' ? renderer.cachedBody(colId, key, repr) : renderer.cachedMeta(colId, key, repr);
      if (!cached) { missing.push(s); continue; }
      const record = { id: s.itemId, version: s.version, createdAt: s.createdAt, updatedAt: s.updatedAt } as Contact;
      out.set(s.itemId, {
        itemId: s.itemId, name: s.name, extras: null, extrasRev: s.extrasRev, href: s.href,
        data: { unit: 'contacts', record }, cached,
      });
    }
  }
  if (need === null) {
    if (missing.length > 0) {
      const refs = await refsOf(ctx, col, missing.map((s) => s.itemId));
      for (const item of await loadItems(ctx, col, missing.map((s) => refs.get(s.itemId)!))) out.set(item.itemId, item);
    }
  } else {
    // Cold items are loaded and rendered a chunk at a time and kept as stubs, so a first listing
    // of a 50,000-contact address book never holds 50,000 records at once (peak RSS).
    for (const part of chunks(missing, COLD_CHUNK)) {
      const refs = await refsOf(ctx, col, part.map((s) => s.itemId));
      for (const item of await loadItems(ctx, col, part.map((s) => refs.get(s.itemId)!))) {
        const rendered = renderer.render(col.collection.id, item, repr, Directory.EMPTY, { keepBody: need === 'body' });
        const { body: _body, ...meta } = rendered;
        const r = item.data.record;
        const record = { id: r.id, version: r.version, createdAt: r.createdAt, updatedAt: r.updatedAt } as Contact;
        out.set(item.itemId, { ...item, extras: null, data: { unit: 'contacts', record }, cached: need === 'body' ? rendered : meta });
      }
    }
  }
  return stamps.flatMap((s) => {
    const item = out.get(s.itemId);
    return item ? [item] : [];
  });
}
