// Link rows (one per synced item and channel): what both sides looked like when they last agreed.
import type { CrmContext } from '../../crm/context.js';
import { chunks } from '../../crm/context.js';
import { sqliteInTransaction } from '../../crm/bulk.js';
import { withSqliteStatement } from '../../store/native.js';
import type { Database as SqliteHandle, Statement } from 'better-sqlite3';
import type { FieldMap } from '../model/fields.js';
import type { SyncLink } from '../model/state.js';

function rowToLink(r: { crm_id: string; remote_href: string; remote_uid: string; remote_version: string; crm_version: number; crm_hash: string; remote_hash: string; base: string | null }): SyncLink {
  return {
    crmId: r.crm_id, remoteHref: r.remote_href, remoteUid: r.remote_uid, remoteVersion: r.remote_version,
    crmVersion: r.crm_version, crmHash: r.crm_hash, remoteHash: r.remote_hash,
    base: r.base === null ? null : (JSON.parse(r.base) as FieldMap),
  };
}

const baseText = (link: SyncLink): string | null => link.base === null ? null : link.baseJson ?? JSON.stringify(link.base);

/** Links of the given CRM ids or remote hrefs: only the items a run touches (O(changes)). */
export async function linksFor(ctx: CrmContext, channelId: string, crmIds: readonly string[], hrefs: readonly string[]): Promise<SyncLink[]> {
  const found = new Map<string, SyncLink>();
  for (const part of chunks([...new Set(crmIds)], 500)) {
    const rows = await ctx.db.selectFrom('sync_links').selectAll().where('channel_id', '=', channelId).where('crm_id', 'in', part).execute();
    for (const r of rows) found.set(r.crm_id, rowToLink(r));
  }
  for (const part of chunks([...new Set(hrefs)], 500)) {
    const rows = await ctx.db.selectFrom('sync_links').selectAll().where('channel_id', '=', channelId).where('remote_href', 'in', part).execute();
    for (const r of rows) found.set(r.crm_id, rowToLink(r));
  }
  return [...found.values()];
}

/** What observe needs to tell a quiet link from an active one, without decoding base snapshots. */
export type LinkHead = Pick<SyncLink, 'crmId' | 'remoteHref' | 'remoteVersion' | 'crmVersion'>;

const HEAD_COLUMNS = ['crm_id', 'remote_href', 'remote_version', 'crm_version'] as const;
const rowToHead = (r: { crm_id: string; remote_href: string; remote_version: string; crm_version: number }): LinkHead =>
  ({ crmId: r.crm_id, remoteHref: r.remote_href, remoteVersion: r.remote_version, crmVersion: Number(r.crm_version) });

export async function allLinkHeads(ctx: CrmContext, channelId: string): Promise<LinkHead[]> {
  const rows = await ctx.db.selectFrom('sync_links').select(HEAD_COLUMNS).where('channel_id', '=', channelId).execute();
  return rows.map(rowToHead);
}

type HeadRow = { crm_id: string; remote_href: string; remote_version: string; crm_version: number };

/** linksFor without the base snapshots: most links a batch looks at are quiet (observe.ts). */
export async function linkHeadsFor(ctx: CrmContext, channelId: string, crmIds: readonly string[], hrefs: readonly string[]): Promise<LinkHead[]> {
  const found = new Map<string, LinkHead>();
  // SQLite: kept statements taking each list as one JSON parameter (src/store/native.ts); every
  // batch of a run looks up the hrefs of the previous batch's writes here (their echo).
  const byCrm = crmIds.length === 0 ? { value: [] } : await withSqliteStatement(ctx.db,
    'select "crm_id", "remote_href", "remote_version", "crm_version" from "sync_links" where "channel_id" = ? and "crm_id" in (select "value" from json_each(?))',
    (st) => st.all(channelId, JSON.stringify(crmIds)) as HeadRow[]);
  const byHref = byCrm === null ? null : hrefs.length === 0 ? { value: [] } : await withSqliteStatement(ctx.db,
    'select "crm_id", "remote_href", "remote_version", "crm_version" from "sync_links" where "channel_id" = ? and "remote_href" in (select "value" from json_each(?))',
    (st) => st.all(channelId, JSON.stringify(hrefs)) as HeadRow[]);
  if (byCrm && byHref) {
    for (const r of byCrm.value) found.set(r.crm_id, rowToHead(r));
    for (const r of byHref.value) found.set(r.crm_id, rowToHead(r));
    return [...found.values()];
  }
  for (const part of chunks([...new Set(crmIds)], 500)) {
    const rows = await ctx.db.selectFrom('sync_links').select(HEAD_COLUMNS).where('channel_id', '=', channelId).where('crm_id', 'in', part).execute();
    for (const r of rows) found.set(r.crm_id, rowToHead(r));
  }
  for (const part of chunks([...new Set(hrefs)], 500)) {
    const rows = await ctx.db.selectFrom('sync_links').select(HEAD_COLUMNS).where('channel_id', '=', channelId).where('remote_href', 'in', part).execute();
    for (const r of rows) found.set(r.crm_id, rowToHead(r));
  }
  return [...found.values()];
}

export async function allLinks(ctx: CrmContext, channelId: string): Promise<SyncLink[]> {
  const rows = await ctx.db.selectFrom('sync_links').selectAll().where('channel_id', '=', channelId).execute();
  return rows.map(rowToLink);
}

/**
 * Members of a CRM set without a link on this channel whose id is above `after`, in id order, at
 * most `limit` (all when undefined), and whether more follow: the new CRM items a continuing run
 * has not taken yet (RunCheckpoint.crmAfter). An index walk in the database, not a listing.
 */
export async function unlinkedMembers(ctx: CrmContext, channelId: string, collectionId: string, after: string, limit: number | undefined): Promise<{ ids: string[]; more: boolean }> {
  let q = ctx.db.selectFrom('collection_members as m').select('m.item_id').where('m.collection_id', '=', collectionId).where('m.item_id', '>', after)
    .where(({ not, exists, selectFrom }) => not(exists(
      selectFrom('sync_links as l').select('l.crm_id').where('l.channel_id', '=', channelId).whereRef('l.crm_id', '=', 'm.item_id'),
    )))
    .orderBy('m.item_id');
  if (limit !== undefined) q = q.limit(limit + 1);
  const ids = (await q.execute()).map((r) => r.item_id);
  const more = limit !== undefined && ids.length > limit;
  return { ids: more ? ids.slice(0, limit) : ids, more };
}

/** The channel's number of links; with `upTo`, counting stops there (the caller needs no more). */
export async function countLinks(ctx: CrmContext, channelId: string, upTo?: number): Promise<number> {
  let rows = ctx.db.selectFrom('sync_links').select('crm_id').where('channel_id', '=', channelId);
  if (upTo !== undefined) rows = rows.limit(upTo);
  const r = await ctx.db.selectFrom(rows.as('l')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Stores a link, replacing any earlier one for the same CRM id or href (M2: never two links). */
export async function saveLink(ctx: CrmContext, channelId: string, link: SyncLink): Promise<void> {
  await ctx.db.deleteFrom('sync_links').where('channel_id', '=', channelId)
    .where((eb) => eb.or([eb('crm_id', '=', link.crmId), eb('remote_href', '=', link.remoteHref)])).execute();
  await ctx.db.insertInto('sync_links').values({
    channel_id: channelId, crm_id: link.crmId, remote_href: link.remoteHref, remote_uid: link.remoteUid,
    remote_version: link.remoteVersion, crm_version: link.crmVersion, crm_hash: link.crmHash, remote_hash: link.remoteHash,
    base: baseText(link),
  }).execute();
}

/**
 * saveLink for many links at once, with the same outcome as saving them one by one in order:
 * a later link replaces an earlier one of the same CRM id or href, and every stored link of those
 * ids or hrefs is replaced. Two deletes and one multi-row insert per chunk instead of two
 * statements per link (issue 4 item 6).
 */
export async function saveLinks(ctx: CrmContext, channelId: string, links: readonly SyncLink[]): Promise<void> {
  const byCrm = new Map<string, SyncLink>();
  const byHref = new Map<string, string>();
  for (const link of links) {
    const holder = byHref.get(link.remoteHref);
    if (holder !== undefined && holder !== link.crmId) byCrm.delete(holder);
    const previous = byCrm.get(link.crmId);
    if (previous && previous.remoteHref !== link.remoteHref) byHref.delete(previous.remoteHref);
    byCrm.set(link.crmId, link);
    byHref.set(link.remoteHref, link.crmId);
  }
  const final = [...byCrm.values()];
  const native = sqliteInTransaction(ctx);
  if (native) {
    // SQLite inside the caller's transaction (bookkeeping's flush): one cached prepared statement
    // on the native handle, as `src/crm/bulk.ts` insertRows does; Kysely's compile and `prepare`
    // per statement cost more than SQLite's work (issue 4 item 6). INSERT OR REPLACE deletes the
    // rows holding the link's CRM id (primary key) or href (unique) before inserting it, which is
    // saveLink's delete-then-insert; `final` has distinct ids and hrefs, so a later link never
    // replaces an earlier one of this call: the same outcome as the chunked path below.
    const insert = replaceStatement(native);
    for (const link of final) {
      insert.run(
        channelId, link.crmId, link.remoteHref, link.remoteUid, link.remoteVersion, link.crmVersion, link.crmHash, link.remoteHash,
        baseText(link),
      );
    }
    return;
  }
  for (const part of chunks(final, 200)) {
    await ctx.db.deleteFrom('sync_links').where('channel_id', '=', channelId).where('crm_id', 'in', part.map((l) => l.crmId)).execute();
    await ctx.db.deleteFrom('sync_links').where('channel_id', '=', channelId).where('remote_href', 'in', part.map((l) => l.remoteHref)).execute();
    await ctx.db.insertInto('sync_links').values(part.map((link) => ({
      channel_id: channelId, crm_id: link.crmId, remote_href: link.remoteHref, remote_uid: link.remoteUid,
      remote_version: link.remoteVersion, crm_version: link.crmVersion, crm_hash: link.crmHash, remote_hash: link.remoteHash,
      base: baseText(link),
    }))).execute();
  }
}

const replaceStatements = new WeakMap<SqliteHandle, Statement>();

function replaceStatement(handle: SqliteHandle): Statement {
  let st = replaceStatements.get(handle);
  if (!st) {
    st = handle.prepare(
      'insert or replace into "sync_links" ("channel_id", "crm_id", "remote_href", "remote_uid", "remote_version", "crm_version", "crm_hash", "remote_hash", "base") values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    replaceStatements.set(handle, st);
  }
  return st;
}

export async function deleteLink(ctx: CrmContext, channelId: string, crmId: string): Promise<void> {
  await ctx.db.deleteFrom('sync_links').where('channel_id', '=', channelId).where('crm_id', '=', crmId).execute();
}

/** ETag churn: the content is unchanged, only the version moved; remember the new one. */
export async function touchLinkVersion(ctx: CrmContext, channelId: string, crmId: string, version: string): Promise<void> {
  await ctx.db.updateTable('sync_links').set({ remote_version: version }).where('channel_id', '=', channelId).where('crm_id', '=', crmId).execute();
}

export async function clearLinks(ctx: CrmContext, channelId: string): Promise<void> {
  await ctx.db.deleteFrom('sync_links').where('channel_id', '=', channelId).execute();
}
