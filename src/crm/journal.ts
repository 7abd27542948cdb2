// X5: every change to a CRM record is journaled with its author, before and after, and can be
// undone. The journal is also the change feed for external CRMs (changes by devices/targets).
import type { Selectable } from 'kysely';
import type { Author, AuthorKind } from '../domain/authors.js';
import type { JournalTable } from '../store/schema.js';
import { insertRows } from './bulk.js';
import type { CrmContext } from './context.js';

export type JournalRecordKind = 'contact' | 'appointment' | 'task' | 'tick';
export type JournalAction = 'create' | 'update' | 'delete' | 'tick' | 'untick';

export interface JournalEntry {
  id: number;
  at: number;
  author: Author;
  recordKind: JournalRecordKind;
  recordId: string;
  /** For ticks: whose sync tick changed. */
  subjectUserId: string | null;
  action: JournalAction;
  before: unknown;
  after: unknown;
  undoOf: number | null;
  undoneBy: number | null;
}

interface NewJournalEntryBase {
  author: Author;
  recordKind: JournalRecordKind;
  recordId: string;
  subjectUserId?: string | null;
  action: JournalAction;
  before: unknown;
  undoOf?: number | null;
}

/**
 * `after` as a value, or already serialised as `afterJson` (bulk imports build it from the row's
 * JSON so a record is not serialised twice).
 */
export type NewJournalEntry = NewJournalEntryBase & ({ after: unknown; afterJson?: never } | { after?: never; afterJson: string });

function toRow(ctx: CrmContext, e: NewJournalEntry) {
  return {
    at: ctx.now(), author_kind: e.author.kind, author_id: e.author.id, author_label: e.author.label,
    record_kind: e.recordKind, record_id: e.recordId, subject_user_id: e.subjectUserId ?? null, action: e.action,
    before: e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
    after: e.afterJson ?? (e.after === null || e.after === undefined ? null : JSON.stringify(e.after)),
    undo_of: e.undoOf ?? null, undone_by: null,
  };
}

export async function writeJournal(ctx: CrmContext, e: NewJournalEntry): Promise<number> {
  const row = await ctx.db.insertInto('journal').values(toRow(ctx, e)).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Bulk form for imports; returns nothing (ids are not needed there). Rows keep the entries' order. */
export async function writeJournalMany(ctx: CrmContext, entries: readonly NewJournalEntry[]): Promise<void> {
  await insertRows(ctx, 'journal', entries.map((e) => toRow(ctx, e)));
}

export function rowToJournal(r: Selectable<JournalTable>): JournalEntry {
  return {
    id: Number(r.id), at: Number(r.at),
    author: { kind: r.author_kind as AuthorKind, id: r.author_id, label: r.author_label },
    recordKind: r.record_kind as JournalRecordKind, recordId: r.record_id, subjectUserId: r.subject_user_id,
    action: r.action as JournalAction,
    before: r.before === null ? null : JSON.parse(r.before), after: r.after === null ? null : JSON.parse(r.after),
    undoOf: r.undo_of === null ? null : Number(r.undo_of), undoneBy: r.undone_by === null ? null : Number(r.undone_by),
  };
}

export interface JournalQuery {
  recordKind?: JournalRecordKind;
  recordId?: string;
  authorKinds?: readonly AuthorKind[];
  after?: number;
  limit: number;
}

export async function listJournal(ctx: CrmContext, q: JournalQuery): Promise<JournalEntry[]> {
  let query = ctx.db.selectFrom('journal').selectAll();
  if (q.recordKind) query = query.where('record_kind', '=', q.recordKind);
  if (q.recordId) query = query.where('record_id', '=', q.recordId);
  if (q.authorKinds) query = query.where('author_kind', 'in', [...q.authorKinds]);
  if (q.after !== undefined) query = query.where('id', '>', q.after).orderBy('id', 'asc');
  else query = query.orderBy('id', 'desc');
  const rows = await query.limit(q.limit).execute();
  return rows.map(rowToJournal);
}

export async function getJournalEntry(ctx: CrmContext, id: number): Promise<JournalEntry | null> {
  const row = await ctx.db.selectFrom('journal').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToJournal(row) : null;
}

export async function markUndone(ctx: CrmContext, id: number, undoneBy: number): Promise<void> {
  await ctx.db.updateTable('journal').set({ undone_by: undoneBy }).where('id', '=', id).execute();
}
