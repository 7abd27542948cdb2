// Contacts and the per-user sync tick (SPEC Records, S1, X1, X4, A5).
import { newId } from '../domain/ids.js';
import type { Author } from '../domain/authors.js';
import type { Contact, ContactKind, Id } from '../domain/records.js';
import { invalid } from '../domain/errors.js';
import { contactInputSchema, type ContactData, type ContactInput } from '../domain/schemas.js';
import { contactInSet } from '../domain/scope.js';
import type { Selectable } from 'kysely';
import type { ContactsTable } from '../store/schema.js';
import { chunks, inTransaction, type CrmContext } from './context.js';
import { inListSize, insertRows } from './bulk.js';
import { writeJournal, writeJournalMany, type NewJournalEntry } from './journal.js';
import { reconcileContact } from './membership.js';
import { decodeCursor, encodeCursor, type Page } from './paging.js';
import { RecordStore, type StoredRecord } from './recordStore.js';
import { contactFields, contactToRow, rowToContact, type ContactDraft } from './rows.js';
import { ensureCollection, recordChanges } from './syncSets.js';
import { loadScopeUsers } from './users.js';

async function assertUserExists(ctx: CrmContext, userId: Id): Promise<void> {
  if (!(await loadScopeUsers(ctx, [userId])).has(userId)) {
    throw invalid(`user ${userId} does not exist`, [{ path: 'userId', message: 'no such user' }]);
  }
}

async function writeTags(ctx: CrmContext, c: Contact, replace: boolean): Promise<void> {
  if (replace) await ctx.db.deleteFrom('contact_tags').where('contact_id', '=', c.id).execute();
  if (c.tags.length > 0) await ctx.db.insertInto('contact_tags').values(c.tags.map((tag) => ({ contact_id: c.id, tag }))).execute();
}

export const contacts = new RecordStore<Contact, typeof contactInputSchema>({
  kind: 'contact',
  table: 'contacts',
  schema: contactInputSchema,
  build: contactFields,
  toRow: contactToRow as never,
  fromRow: rowToContact as never,
  referencedUsers: (c) => ({ field: 'responsibleUserId', ids: [c.responsibleUserId] }),
  writeSideTables: writeTags,
  reconcile: (ctx, c) => reconcileContact(ctx, c, true),
});

export const getContact = (ctx: CrmContext, id: Id) => contacts.get(ctx, id);

/** Creates a contact, optionally ticked for some users (S1) in the same transaction. */
export async function createContact(ctx: CrmContext, input: ContactInput, author: Author, tickUserIds: readonly Id[] = []): Promise<Contact> {
  return inTransaction(ctx, async (tx) => {
    const contact = await contacts.create(tx, input, author);
    for (const userId of tickUserIds) await setTick(tx, contact.id, userId, true, author);
    return contact;
  });
}

async function insertTick(ctx: CrmContext, contactId: Id, userId: Id, author: Author): Promise<boolean> {
  const res = await ctx.db.insertInto('contact_ticks').values({ contact_id: contactId, user_id: userId, created_at: ctx.now() })
    .onConflict((oc) => oc.columns(['contact_id', 'user_id']).doNothing()).executeTakeFirst();
  const inserted = Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  if (inserted) await writeJournal(ctx, { author, recordKind: 'tick', recordId: contactId, subjectUserId: userId, action: 'tick', before: { ticked: false }, after: { ticked: true } });
  return inserted;
}

/** Sets or clears `userId`'s sync tick on a contact (S1; X1 clears it when a device deletes the contact). */
export async function setTick(ctx: CrmContext, contactId: Id, userId: Id, ticked: boolean, author: Author): Promise<boolean> {
  return inTransaction(ctx, async (tx) => {
    const contact = await contacts.get(tx, contactId);
    await assertUserExists(tx, userId);
    let changed: boolean;
    if (ticked) changed = await insertTick(tx, contactId, userId, author);
    else {
      const res = await tx.db.deleteFrom('contact_ticks').where('contact_id', '=', contactId).where('user_id', '=', userId).executeTakeFirst();
      changed = Number(res.numDeletedRows) > 0;
      if (changed) await writeJournal(tx, { author, recordKind: 'tick', recordId: contactId, subjectUserId: userId, action: 'untick', before: { ticked: true }, after: { ticked: false } });
    }
    if (changed) await reconcileContact(tx, contact, false);
    return changed;
  });
}

export async function tickedUserIds(ctx: CrmContext, contactId: Id): Promise<Id[]> {
  const rows = await ctx.db.selectFrom('contact_ticks').select('user_id').where('contact_id', '=', contactId).execute();
  return rows.map((r) => r.user_id);
}

export interface ContactFilter {
  kind?: ContactKind;
  tag?: string;
  category?: string;
  responsibleUserId?: Id;
  archived?: boolean;
  /** Case-insensitive substring of the display name. */
  q?: string;
  tickedBy?: Id;
}

function filtered(ctx: CrmContext, f: ContactFilter) {
  let q = ctx.db.selectFrom('contacts');
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.category) q = q.where('category', '=', f.category);
  if (f.responsibleUserId) q = q.where('responsible_user_id', '=', f.responsibleUserId);
  if (f.archived !== undefined) q = q.where('archived', '=', f.archived ? 1 : 0);
  if (f.q) q = q.where((eb) => eb(eb.fn('lower', ['display_name']), 'like', `%${f.q!.toLowerCase().replace(/[%_\\]/g, '\\$&')}%`));
  if (f.tag) { const tag = f.tag; q = q.where('id', 'in', (eb) => eb.selectFrom('contact_tags').select('contact_id').where('tag', '=', tag)); }
  if (f.tickedBy) { const u = f.tickedBy; q = q.where('id', 'in', (eb) => eb.selectFrom('contact_ticks').select('contact_id').where('user_id', '=', u)); }
  return q;
}

export async function listContacts(ctx: CrmContext, f: ContactFilter, page: { limit: number; cursor?: string }): Promise<Page<Contact>> {
  let q = filtered(ctx, f).selectAll();
  if (page.cursor) {
    const [name, id] = decodeCursor(page.cursor, 2) as [string, string];
    q = q.where((eb) => eb.or([eb('display_name', '>', name), eb.and([eb('display_name', '=', name), eb('id', '>', id)])]));
  }
  const rows = await q.orderBy('display_name').orderBy('id').limit(page.limit + 1).execute();
  const items = rows.slice(0, page.limit).map(rowToContact);
  const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
  return { items, nextCursor: last ? encodeCursor([last.display_name, last.id]) : null };
}

/**
 * A5 mass update: set or clear `userId`'s tick on every contact matching the filter, in one
 * transaction, journaled per contact. Returns how many ticks changed.
 */
export async function setTickByFilter(ctx: CrmContext, f: ContactFilter, userId: Id, ticked: boolean, author: Author): Promise<number> {
  return inTransaction(ctx, async (tx) => {
    await assertUserExists(tx, userId);
    const matching = await filtered(tx, f).select('id').execute();
    const ids = matching.map((r) => r.id);
    const already = new Set<string>();
    for (const part of chunks(ids, 500)) {
      const rows = await tx.db.selectFrom('contact_ticks').select('contact_id').where('user_id', '=', userId).where('contact_id', 'in', part).execute();
      for (const r of rows) already.add(r.contact_id);
    }
    const changing = ids.filter((id) => ticked !== already.has(id));
    const now = tx.now();
    for (const part of chunks(changing, 400)) {
      if (ticked) await tx.db.insertInto('contact_ticks').values(part.map((id) => ({ contact_id: id, user_id: userId, created_at: now }))).execute();
      else await tx.db.deleteFrom('contact_ticks').where('user_id', '=', userId).where('contact_id', 'in', part).execute();
    }
    await writeJournalMany(tx, changing.map((id) => ({
      author, recordKind: 'tick' as const, recordId: id, subjectUserId: userId, action: ticked ? 'tick' as const : 'untick' as const,
      before: { ticked: !ticked }, after: { ticked },
    })));
    await reconcileTickedBatch(tx, userId, changing, ticked);
    return changing.length;
  });
}

/** What S1 needs to know of a contact to place it in a user's set. */
type ScopeFields = Pick<Contact, 'kind' | 'tags' | 'category' | 'responsibleUserId' | 'archived'>;

/**
 * Membership of many contacts for one user at once (mass tick, import): one revision bump per batch.
 * `known` holds what the caller already has in memory (import), so those contacts are not read back.
 */
async function reconcileTickedBatch(ctx: CrmContext, userId: Id, contactIds: readonly Id[], ticked: boolean, known?: ReadonlyMap<Id, ScopeFields>): Promise<void> {
  if (contactIds.length === 0) return;
  const collection = await ensureCollection(ctx, userId, 'contacts');
  if (!ticked) {
    const members = new Set<string>();
    for (const part of chunks(contactIds, 500)) {
      const rows = await ctx.db.selectFrom('collection_members').select('item_id').where('collection_id', '=', collection.id).where('item_id', 'in', part).execute();
      for (const r of rows) members.add(r.item_id);
    }
    await recordChanges(ctx, collection.id, [...members].map((itemId) => ({ itemId, op: 'remove' as const })));
    return;
  }
  const ids = [...new Set(contactIds)];
  const records = new Map<Id, ScopeFields>();
  const unknown: Id[] = [];
  for (const id of ids) {
    const c = known?.get(id);
    if (c) records.set(id, c);
    else unknown.push(id);
  }
  if (unknown.length > 0) for (const c of await contacts.getMany(ctx, unknown)) records.set(c.id, c);
  const responsible = new Set<Id>();
  for (const c of records.values()) if (c.responsibleUserId) responsible.add(c.responsibleUserId);
  const users = await loadScopeUsers(ctx, [userId, ...responsible]);
  const user = users.get(userId);
  if (!user) return;
  const departmentOf = (id: Id) => users.get(id)?.departmentId ?? null;
  const entering = ids.filter((id) => { const c = records.get(id); return c !== undefined && contactInSet(user, c, true, departmentOf); });
  await recordChanges(ctx, collection.id, entering.map((itemId) => ({ itemId, op: 'upsert' as const })));
}

export interface ImportedContact { id: Id; matched: boolean }

/** The journal's JSON of a new contact: its columns, then its row's `data` JSON (not serialised twice). */
function newContactJson(row: Selectable<ContactsTable>, d: ContactDraft): string {
  const columns = JSON.stringify({
    id: row.id, externalId: row.external_id, uid: row.uid, kind: d.kind, category: d.category, responsibleUserId: d.responsibleUserId,
    archived: d.archived, createdAt: row.created_at, updatedAt: row.updated_at, version: row.version,
  });
  return d.dataJson === '{}' ? columns : `${columns.slice(0, -1)},${d.dataJson.slice(1)}`;
}

export async function importContacts(ctx: CrmContext, drafts: readonly ContactDraft[], author: Author, tickUserId: Id | null): Promise<ImportedContact[]> {
  return inTransaction(ctx, async (tx) => {
    const now = tx.now();
    const uids = [...new Set(drafts.flatMap((d) => (d.uid !== null ? [d.uid] : [])))];
    /** UID → id of the contact it names, in the CRM or earlier in this call (a file naming one UID twice yields one contact). */
    const existing = new Map<string, Id>();
    /** Contacts that were in the CRM before this call: only these can already carry the tick. */
    const stored: Id[] = [];
    for (const part of chunks(uids, inListSize(tx))) {
      const rows = await tx.db.selectFrom('contacts').select(['id', 'uid']).where('uid', 'in', part).execute();
      for (const r of rows) {
        existing.set(r.uid, r.id);
        stored.push(r.id);
      }
    }
    const out: ImportedContact[] = [];
    /** What S1 needs to place each contact in the user's set, without reading it back. */
    const scopeOf = new Map<Id, Pick<Contact, 'kind' | 'tags' | 'category' | 'responsibleUserId' | 'archived'>>();
    const rows: Selectable<ContactsTable>[] = [];
    const journal: NewJournalEntry[] = [];
    const tags: { contact_id: Id; tag: string }[] = [];
    for (const d of drafts) {
      const found = d.uid !== null ? existing.get(d.uid) : undefined;
      if (found !== undefined) { out.push({ id: found, matched: true }); continue; }
      const id = newId();
      const row: Selectable<ContactsTable> = {
        id, external_id: d.externalId, uid: d.uid ?? id, kind: d.kind, category: d.category, responsible_user_id: d.responsibleUserId,
        archived: d.archived ? 1 : 0, display_name: d.displayName, data: d.dataJson, created_at: now, updated_at: now, version: 1,
      };
      existing.set(row.uid, id);
      rows.push(row);
      scopeOf.set(id, d);
      for (const tag of d.tags) tags.push({ contact_id: id, tag });
      journal.push({ author, recordKind: 'contact', recordId: id, action: 'create', before: null, afterJson: newContactJson(row, d) });
      out.push({ id, matched: false });
    }
    await insertRows(tx, 'contacts', rows);
    await insertRows(tx, 'contact_tags', tags);
    await writeJournalMany(tx, journal);
    if (tickUserId) {
      const already = new Set<string>();
      for (const part of chunks(stored, inListSize(tx))) {
        const ticked = await tx.db.selectFrom('contact_ticks').select('contact_id').where('user_id', '=', tickUserId).where('contact_id', 'in', part).execute();
        for (const r of ticked) already.add(r.contact_id);
      }
      const toTick = [...new Set(out.map((o) => o.id))].filter((id) => !already.has(id));
      await insertRows(tx, 'contact_ticks', toTick.map((id) => ({ contact_id: id, user_id: tickUserId, created_at: now })));
      await writeJournalMany(tx, toTick.map((id) => ({ author, recordKind: 'tick' as const, recordId: id, subjectUserId: tickUserId, action: 'tick' as const, before: { ticked: false }, after: { ticked: true } })));
      await reconcileTickedBatch(tx, tickUserId, toTick, true, scopeOf);
    }
    return out;
  });
}
