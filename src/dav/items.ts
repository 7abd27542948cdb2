// The items of a collection as the DAV server names them. A CRM-made item is served as
// `<itemId>.vcf|.ics`; a device's PUT of a new name keeps that name (dav_resources), together
// with the properties the CRM has no field for (extras, served back unchanged). A name row
// outlives the item's membership, so a removal is reported under the name the device knows.
import type { CrmContext } from '../crm/context.js';
import { chunks } from '../crm/context.js';
import { appointments } from '../crm/appointments.js';
import { contacts } from '../crm/contacts.js';
import { tasks } from '../crm/tasks.js';
import type { Appointment, Contact, Id, Task } from '../domain/records.js';
import type { CalendarExtras } from '../formats/index.js';
import { sql } from 'kysely';
import { encodeSegment as encodeName } from './paths.js';
import type { Rendered, RenderedMeta } from './render.js';
import { itemExtension, type DavCollection } from './resources.js';

/** Extras as stored per item: vCard lines, or the iCalendar extras of formats/. */
export type ItemExtras = { readonly type: 'vcard'; readonly lines: readonly string[] } | { readonly type: 'ical'; readonly extras: CalendarExtras };

export interface ItemRef {
  readonly itemId: Id;
  readonly name: string;
  readonly extras: ItemExtras | null;
  readonly extrasRev: number;
}

export type LoadedRecord =
  | { readonly unit: 'contacts'; readonly record: Contact }
  | { readonly unit: 'calendar'; readonly record: Appointment }
  | { readonly unit: 'tasks'; readonly record: Task };

export interface LoadedItem extends ItemRef {
  readonly href: string;
  readonly data: LoadedRecord;
  /**
   * A render found in the cache by the item's stamp (handlers/light.ts). When set, `data.record`
   * holds only id, version, createdAt and updatedAt: the record was not loaded.
   */
  readonly cached?: Rendered | RenderedMeta;
}

interface ResourceRow { item_id: string; name: string; extras: string | null; extras_rev: number }

const defaultName = (col: DavCollection, itemId: Id) => `${itemId}${itemExtension(col.unit)}`;

function toRef(col: DavCollection, itemId: Id, row: ResourceRow | undefined): ItemRef {
  return row
    ? { itemId, name: row.name, extras: row.extras === null ? null : (JSON.parse(row.extras) as ItemExtras), extrasRev: Number(row.extras_rev) }
    : { itemId, name: defaultName(col, itemId), extras: null, extrasRev: 0 };
}

async function resourceRowsByItem(ctx: CrmContext, col: DavCollection, itemIds: readonly Id[]): Promise<Map<Id, ResourceRow>> {
  const out = new Map<Id, ResourceRow>();
  for (const part of chunks([...new Set(itemIds)], 500)) {
    const rows = await ctx.db.selectFrom('dav_resources').select(['item_id', 'name', 'extras', 'extras_rev'])
      .where('collection_id', '=', col.collection.id).where('item_id', 'in', part).execute();
    for (const r of rows) out.set(r.item_id, r);
  }
  return out;
}

async function memberSet(ctx: CrmContext, col: DavCollection, itemIds: readonly Id[]): Promise<Set<Id>> {
  const out = new Set<Id>();
  for (const part of chunks([...new Set(itemIds)], 500)) {
    const rows = await ctx.db.selectFrom('collection_members').select('item_id')
      .where('collection_id', '=', col.collection.id).where('item_id', 'in', part).execute();
    for (const r of rows) out.add(r.item_id);
  }
  return out;
}

/** Names and extras of items known by id (members or removed ones), in one or two queries. */
export async function refsOf(ctx: CrmContext, col: DavCollection, itemIds: readonly Id[]): Promise<Map<Id, ItemRef>> {
  const rows = await resourceRowsByItem(ctx, col, itemIds);
  return new Map(itemIds.map((id) => [id, toRef(col, id, rows.get(id))]));
}

/** Every current member of the collection with its name. */
export async function listItems(ctx: CrmContext, col: DavCollection): Promise<(ItemRef & { revision: number })[]> {
  const members = await ctx.db.selectFrom('collection_members')
    .leftJoin('dav_resources', (j) => j.onRef('dav_resources.collection_id', '=', 'collection_members.collection_id')
      .onRef('dav_resources.item_id', '=', 'collection_members.item_id'))
    .select(['collection_members.item_id as item_id', 'collection_members.revision as revision', 'dav_resources.name as name',
      'dav_resources.extras as extras', 'dav_resources.extras_rev as extras_rev'])
    .where('collection_members.collection_id', '=', col.collection.id).execute();
  return members.map((m) => ({
    ...toRef(col, m.item_id, m.name === null ? undefined : { item_id: m.item_id, name: m.name, extras: m.extras, extras_rev: Number(m.extras_rev ?? 0) }),
    revision: Number(m.revision),
  }));
}

/**
 * Resolves item names to current members. A name is either a stored device name, or the
 * default `<itemId>.<ext>` of an item that has no stored name. Names not found are absent.
 */
export async function resolveNames(ctx: CrmContext, col: DavCollection, names: readonly string[]): Promise<Map<string, ItemRef>> {
  const unique = [...new Set(names)];
  const byName = new Map<string, ResourceRow>();
  for (const part of chunks(unique, 500)) {
    const rows = await ctx.db.selectFrom('dav_resources').select(['item_id', 'name', 'extras', 'extras_rev'])
      .where('collection_id', '=', col.collection.id).where('name', 'in', part).execute();
    for (const r of rows) byName.set(r.name, r);
  }
  const ext = itemExtension(col.unit);
  const candidates = unique.filter((n) => !byName.has(n) && n.endsWith(ext) && n.length > ext.length).map((n) => n.slice(0, -ext.length));
  const candidateRows = await resourceRowsByItem(ctx, col, candidates);
  const ids = [...[...byName.values()].map((r) => r.item_id), ...candidates];
  const members = await memberSet(ctx, col, ids);
  const out = new Map<string, ItemRef>();
  for (const name of unique) {
    const stored = byName.get(name);
    if (stored) {
      if (members.has(stored.item_id)) out.set(name, toRef(col, stored.item_id, stored));
      continue;
    }
    if (!name.endsWith(ext)) continue;
    const id = name.slice(0, -ext.length);
    if (members.has(id) && !candidateRows.has(id)) out.set(name, toRef(col, id, undefined));
  }
  return out;
}

/** Loads the records behind item refs (missing records are left out). */
export async function loadItems(ctx: CrmContext, col: DavCollection, refs: readonly ItemRef[]): Promise<LoadedItem[]> {
  const ids = refs.map((r) => r.itemId);
  const records = new Map<Id, LoadedRecord>();
  if (col.unit === 'contacts') for (const r of await contacts.getMany(ctx, ids)) records.set(r.id, { unit: 'contacts', record: r });
  else if (col.unit === 'calendar') for (const r of await appointments.getMany(ctx, ids)) records.set(r.id, { unit: 'calendar', record: r });
  else for (const r of await tasks.getMany(ctx, ids)) records.set(r.id, { unit: 'tasks', record: r });
  const out: LoadedItem[] = [];
  for (const ref of refs) {
    const data = records.get(ref.itemId);
    if (data) out.push({ ...ref, href: `${col.href}${encodeName(ref.name)}`, data });
  }
  return out;
}

/** Stores an item's name and extras (insert or update), bumping the extras revision. */
export async function saveItemResource(ctx: CrmContext, col: DavCollection, itemId: Id, name: string, extras: ItemExtras | null): Promise<void> {
  const json = extras === null ? null : JSON.stringify(extras);
  // A stale row holding this name for another (departed) item gives the name up.
  await ctx.db.deleteFrom('dav_resources').where('collection_id', '=', col.collection.id).where('name', '=', name).where('item_id', '!=', itemId).execute();
  const existing = await ctx.db.selectFrom('dav_resources').select('extras_rev')
    .where('collection_id', '=', col.collection.id).where('item_id', '=', itemId).executeTakeFirst();
  if (existing) {
    await ctx.db.updateTable('dav_resources').set({ name, extras: json, extras_rev: Number(existing.extras_rev) + 1 })
      .where('collection_id', '=', col.collection.id).where('item_id', '=', itemId).execute();
  } else {
    await ctx.db.insertInto('dav_resources').values({ collection_id: col.collection.id, item_id: itemId, name, extras: json, extras_rev: 1 }).execute();
  }
}

/** A member's name and what its render depends on, read without the record's data. */
export interface ItemStamp {
  readonly itemId: Id;
  readonly name: string;
  /** The item's href (computed once per snapshot). */
  readonly href: string;
  readonly extrasRev: number;
  readonly revision: number;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

const RECORD_TABLE = { contacts: 'contacts', calendar: 'appointments', tasks: 'tasks' } as const;

interface StampRow { item_id: string; revision: number | string; name: string | null; extras_rev: number | string | null; version: number | string; created_at: number | string; updated_at: number | string }

function toStamp(col: DavCollection, r: StampRow): ItemStamp {
  const name = r.name ?? defaultName(col, r.item_id);
  return {
    itemId: r.item_id, name, href: `${col.href}${encodeName(name)}`, extrasRev: Number(r.extras_rev ?? 0), revision: Number(r.revision),
    version: Number(r.version), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
}

/**
 * Every current member with its name and stamp, in one query and without record data. For a
 * calendar, `series` keeps only appointments whose series may meet [start, end) by the stored
 * bounds (`appointments.start_ms`, `last_end_ms`; null = unbounded), widened by the caller.
 */
export async function listStamps(ctx: CrmContext, col: DavCollection, series?: { start?: number; end?: number }): Promise<ItemStamp[]> {
  const within = col.unit !== 'calendar' || series === undefined ? sql`` : sql`
    ${series.end === undefined ? sql`` : sql` and r.start_ms < ${series.end}`}
    ${series.start === undefined ? sql`` : sql` and (r.last_end_ms is null or r.last_end_ms > ${series.start})`}`;
  const { rows } = await sql<StampRow>`
    select m.item_id as item_id, m.revision as revision, d.name as name, d.extras_rev as extras_rev,
           r.version as version, r.created_at as created_at, r.updated_at as updated_at
    from collection_members m
    join ${sql.table(RECORD_TABLE[col.unit])} r on r.id = m.item_id
    left join dav_resources d on d.collection_id = m.collection_id and d.item_id = m.item_id
    where m.collection_id = ${col.collection.id}${within}`.execute(ctx.db);
  return rows.map((r) => toStamp(col, r));
}

/** Stamps of item refs (multiget, incremental sync); refs whose record is gone are left out. */
export async function stampsOf(ctx: CrmContext, col: DavCollection, refs: readonly ItemRef[]): Promise<ItemStamp[]> {
  const byId = new Map<Id, { version: number; created_at: number; updated_at: number }>();
  for (const part of chunks([...new Set(refs.map((r) => r.itemId))], 500)) {
    const { rows } = await sql<{ id: string; version: number; created_at: number; updated_at: number }>`
      select id, version, created_at, updated_at from ${sql.table(RECORD_TABLE[col.unit])} where id in (${sql.join(part)})`.execute(ctx.db);
    for (const r of rows) byId.set(r.id, r);
  }
  return refs.flatMap((ref) => {
    const r = byId.get(ref.itemId);
    return r ? [{ itemId: ref.itemId, name: ref.name, href: `${col.href}${encodeName(ref.name)}`, extrasRev: ref.extrasRev, revision: 0, version: Number(r.version), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) }] : [];
  });
}

/** One collection's snapshot: its stamps at `revision`, and what was derived from them. */
interface Snapshot {
  readonly revision: number;
  readonly stamps: readonly ItemStamp[];
  byName?: Map<string, ItemStamp>;
  byRevision?: readonly ItemStamp[];
  /** Response fragments by fragment key (handlers/light.ts) and stamp. */
  readonly fragments: Map<string, Map<ItemStamp, Buffer>>;
  fragmentBytes: number;
}

/**
 * Each collection's stamps as of its revision. Every change a render depends on (a record's
 * content, membership, an item's name or extras) bumps the collection's revision, which each
 * request reads afresh, so a snapshot at the current revision is current (on every node: the
 * revision lives in the store). Bounded by the number of stamps kept; the response fragments
 * kept with the snapshots are bounded by their total length.
 */
export class StampCache {
  private readonly byCollection = new Map<string, Snapshot>();
  private size = 0;
  private fragmentBytes = 0;

  constructor(private readonly maxStamps: number, private readonly maxFragmentBytes = 32 * 1024 * 1024) {}

  private async snapshot(ctx: CrmContext, col: DavCollection): Promise<Snapshot> {
    const id = col.collection.id;
    const hit = this.byCollection.get(id);
    if (hit && hit.revision === col.collection.revision) return hit;
    // Read after the revision was: the stamps are at least as new as it (never older).
    const stamps = await listStamps(ctx, col);
    const snap: Snapshot = { revision: col.collection.revision, stamps, fragments: new Map(), fragmentBytes: 0 };
    const again = this.byCollection.get(id);
    if (again) this.drop(id, again);
    if (stamps.length <= this.maxStamps) {
      for (const [k, v] of this.byCollection) {
        if (this.size + stamps.length <= this.maxStamps) break;
        this.drop(k, v);
      }
      this.byCollection.set(id, snap);
      this.size += stamps.length;
    }
    return snap;
  }

  private drop(id: string, snap: Snapshot): void {
    this.byCollection.delete(id);
    this.size -= snap.stamps.length;
    this.fragmentBytes -= snap.fragmentBytes;
  }

  async list(ctx: CrmContext, col: DavCollection): Promise<readonly ItemStamp[]> {
    return (await this.snapshot(ctx, col)).stamps;
  }

  /** The current members, those changed longest ago first (initial sync-collection). */
  async byRevision(ctx: CrmContext, col: DavCollection): Promise<readonly ItemStamp[]> {
    const snap = await this.snapshot(ctx, col);
    return (snap.byRevision ??= [...snap.stamps].sort((a, b) => a.revision - b.revision));
  }

  /** The current members by the name devices know them by (see resolveNames for the rule). */
  async byName(ctx: CrmContext, col: DavCollection): Promise<ReadonlyMap<string, ItemStamp>> {
    const snap = await this.snapshot(ctx, col);
    return (snap.byName ??= new Map(snap.stamps.map((s) => [s.name, s])));
  }

  /**
   * The fragments kept under `key` with the collection's cached snapshot, if it is still the
   * current one (stamps of the snapshot are the keys); null when nothing may be kept.
   */
  fragments(col: DavCollection, key: string): FragmentShelf | null {
    const id = col.collection.id;
    const snap = this.byCollection.get(id);
    if (!snap || snap.revision !== col.collection.revision) return null;
    let map = snap.fragments.get(key);
    if (!map) snap.fragments.set(key, (map = new Map()));
    const kept = map;
    return {
      get: (stamp) => kept.get(stamp),
      keep: (stamp, fragment) => {
        // Not kept once the budget is spent, nor into a snapshot replaced meanwhile.
        if (this.fragmentBytes + fragment.length > this.maxFragmentBytes || this.byCollection.get(id) !== snap) return;
        kept.set(stamp, fragment);
        snap.fragmentBytes += fragment.length;
        this.fragmentBytes += fragment.length;
      },
    };
  }
}

/** Response fragments of one selection at one snapshot (handlers/light.ts). */
export interface FragmentShelf {
  get(stamp: ItemStamp): Buffer | undefined;
  keep(stamp: ItemStamp, fragment: Buffer): void;
}
