// Per-user sync sets (issue 2 item 4, SPEC S1–S5). One collection per (user, unit, owner) with
// a monotonically increasing revision and a change log of (revision, item, upsert|remove).
// "What changed since revision r" is an index range scan on (collection_id, revision): its cost
// is the number of changes, not the size of the collection.
import { newId } from '../domain/ids.js';
import type { Unit } from '../domain/records.js';
import { ExpiredRevisionError, invalid, notFound } from '../domain/errors.js';
import { insertRows } from './bulk.js';
import { chunks, type CrmContext } from './context.js';

export type ChangeOp = 'upsert' | 'remove';

export interface Collection {
  id: string;
  userId: string;
  unit: Unit;
  ownerUserId: string;
  revision: number;
  minRevision: number;
  props: Record<string, unknown>;
}

export interface Change { revision: number; itemId: string; op: ChangeOp }

export interface ChangesSince {
  /** The revision the caller is now at: the last change delivered, or the current revision. */
  revision: number;
  /** At most one entry per item (its latest op), in revision order. */
  changes: Change[];
  /** True when `limit` cut the answer; ask again from `revision`. */
  truncated: boolean;
}

function rowToCollection(r: { id: string; user_id: string; unit: string; owner_user_id: string; revision: number; min_revision: number; props: string }): Collection {
  return {
    id: r.id, userId: r.user_id, unit: r.unit as Unit, ownerUserId: r.owner_user_id,
    revision: Number(r.revision), minRevision: Number(r.min_revision), props: JSON.parse(r.props) as Record<string, unknown>,
  };
}

export async function findCollection(ctx: CrmContext, userId: string, unit: Unit, ownerUserId = userId): Promise<Collection | null> {
  const row = await ctx.db.selectFrom('collections').selectAll()
    .where('user_id', '=', userId).where('unit', '=', unit).where('owner_user_id', '=', ownerUserId)
    .executeTakeFirst();
  return row ? rowToCollection(row) : null;
}

export async function getCollection(ctx: CrmContext, id: string): Promise<Collection> {
  const row = await ctx.db.selectFrom('collections').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('collection', id);
  return rowToCollection(row);
}

export async function listCollections(ctx: CrmContext, userId: string): Promise<Collection[]> {
  const rows = await ctx.db.selectFrom('collections').selectAll().where('user_id', '=', userId).orderBy('unit').execute();
  return rows.map(rowToCollection);
}

/** The collection, created empty on first use. Safe against a concurrent creator. */
export async function ensureCollection(ctx: CrmContext, userId: string, unit: Unit, ownerUserId = userId): Promise<Collection> {
  const existing = await findCollection(ctx, userId, unit, ownerUserId);
  if (existing) return existing;
  const now = ctx.now();
  await ctx.db.insertInto('collections').values({
    id: newId(), user_id: userId, unit, owner_user_id: ownerUserId, revision: 0, min_revision: 0,
    props: '{}', created_at: now, updated_at: now,
  }).onConflict((oc) => oc.columns(['user_id', 'unit', 'owner_user_id']).doNothing()).execute();
  const created = await findCollection(ctx, userId, unit, ownerUserId);
  if (!created) throw new Error(`collection ${userId}/${unit}/${ownerUserId} could not be created`);
  return created;
}

export async function setCollectionProps(ctx: CrmContext, id: string, props: Record<string, unknown>): Promise<void> {
  await ctx.db.updateTable('collections').set({ props: JSON.stringify(props), updated_at: ctx.now() }).where('id', '=', id).execute();
}

/**
 * Appends changes for several items of one collection: the revision is bumped once by the
 * number of items (one row lock on PostgreSQL), then log rows and memberships are written in bulk.
 */
export async function recordChanges(ctx: CrmContext, collectionId: string, items: readonly { itemId: string; op: ChangeOp }[]): Promise<number> {
  if (items.length === 0) return 0;
  const now = ctx.now();
  const bumped = await ctx.db.updateTable('collections')
    .set((eb) => ({ revision: eb('revision', '+', items.length), updated_at: now }))
    .where('id', '=', collectionId).returning('revision').executeTakeFirstOrThrow();
  const last = Number(bumped.revision);
  const first = last - items.length + 1;
  const logRows = items.map((it, i) => ({ collection_id: collectionId, revision: first + i, item_id: it.itemId, op: it.op, at: now }));
  await insertRows(ctx, 'collection_changes', logRows);
  const upserts = logRows.filter((r) => r.op === 'upsert').map((r) => ({ collection_id: collectionId, item_id: r.item_id, revision: r.revision }));
  await insertRows(ctx, 'collection_members', upserts, { columns: ['collection_id', 'item_id'], update: ['revision'] });
  const removals = logRows.filter((r) => r.op === 'remove').map((r) => r.item_id);
  for (const part of chunks(removals, 400)) {
    await ctx.db.deleteFrom('collection_members').where('collection_id', '=', collectionId).where('item_id', 'in', part).execute();
  }
  return last;
}

/**
 * Brings one item's memberships to `desired` (the collections whose set it belongs to now).
 * `contentChanged` marks an upsert even where membership is unchanged, so devices refetch it.
 */
export async function reconcileItem(ctx: CrmContext, itemId: string, desired: ReadonlySet<string>, contentChanged: boolean): Promise<void> {
  const current = await ctx.db.selectFrom('collection_members').select('collection_id').where('item_id', '=', itemId).execute();
  const currentIds = new Set(current.map((r) => r.collection_id));
  const ops: { collectionId: string; op: ChangeOp }[] = [];
  for (const id of desired) if (contentChanged || !currentIds.has(id)) ops.push({ collectionId: id, op: 'upsert' });
  for (const id of currentIds) if (!desired.has(id)) ops.push({ collectionId: id, op: 'remove' });
  // A fixed order of row locks keeps concurrent writers on PostgreSQL free of deadlocks.
  ops.sort((a, b) => (a.collectionId < b.collectionId ? -1 : 1));
  for (const o of ops) await recordChanges(ctx, o.collectionId, [{ itemId, op: o.op }]);
}

/** Item ids currently in the collection's set, with the revision of their last change. */
export async function listMembers(ctx: CrmContext, collectionId: string): Promise<{ itemId: string; revision: number }[]> {
  const rows = await ctx.db.selectFrom('collection_members').select(['item_id', 'revision'])
    .where('collection_id', '=', collectionId).orderBy('item_id').execute();
  return rows.map((r) => ({ itemId: r.item_id, revision: Number(r.revision) }));
}

export async function isMember(ctx: CrmContext, collectionId: string, itemId: string): Promise<boolean> {
  const row = await ctx.db.selectFrom('collection_members').select('item_id')
    .where('collection_id', '=', collectionId).where('item_id', '=', itemId).executeTakeFirst();
  return row !== undefined;
}

/**
 * Changes after `since`, O(changes). A revision older than the retention cut is a distinct
 * condition (ExpiredRevisionError; DAV answers 403 valid-sync-token, RFC 6578 §3.2).
 */
export async function changesSince(ctx: CrmContext, collectionId: string, since: number, limit?: number): Promise<ChangesSince> {
  const c = await getCollection(ctx, collectionId);
  if (!Number.isInteger(since) || since < 0 || since > c.revision) {
    throw invalid(`revision ${since} was never issued for collection ${collectionId}`);
  }
  if (since < c.minRevision) throw new ExpiredRevisionError(collectionId, since, c.minRevision);
  let q = ctx.db.selectFrom('collection_changes').select(['revision', 'item_id', 'op'])
    .where('collection_id', '=', collectionId).where('revision', '>', since).orderBy('revision', 'asc');
  if (limit !== undefined) q = q.limit(limit + 1);
  const rows = await q.execute();
  const truncated = limit !== undefined && rows.length > limit;
  const taken = truncated ? rows.slice(0, limit) : rows;
  const latest = new Map<string, Change>();
  for (const r of taken) {
    latest.delete(r.item_id); // re-insert so the map keeps revision order of each item's last change
    latest.set(r.item_id, { revision: Number(r.revision), itemId: r.item_id, op: r.op });
  }
  const lastTaken = taken[taken.length - 1];
  return {
    revision: truncated && lastTaken ? Number(lastTaken.revision) : c.revision,
    changes: [...latest.values()],
    truncated,
  };
}

export interface RetentionPolicy { maxAgeMs: number; maxCount: number }
export const DEFAULT_RETENTION: RetentionPolicy = { maxAgeMs: 90 * 86_400_000, maxCount: 100_000 };

/**
 * Cuts one collection's change log by age and by count (never one global cut: a busy
 * collection must not expire a quiet one's tokens). Returns the new oldest answerable revision.
 */
export async function pruneChangeLog(ctx: CrmContext, collectionId: string, policy: RetentionPolicy = DEFAULT_RETENTION): Promise<number> {
  const c = await getCollection(ctx, collectionId);
  const byCount = c.revision - policy.maxCount;
  const oldByAge = await ctx.db.selectFrom('collection_changes').select((eb) => eb.fn.max('revision').as('rev'))
    .where('collection_id', '=', collectionId).where('at', '<', ctx.now() - policy.maxAgeMs).executeTakeFirst();
  const cut = Math.max(byCount, Number(oldByAge?.rev ?? 0), c.minRevision);
  if (cut <= c.minRevision) return c.minRevision;
  await ctx.db.deleteFrom('collection_changes').where('collection_id', '=', collectionId).where('revision', '<=', cut).execute();
  await ctx.db.updateTable('collections').set({ min_revision: cut }).where('id', '=', collectionId).execute();
  return cut;
}
