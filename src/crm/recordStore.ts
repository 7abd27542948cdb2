// The write path shared by contacts, appointments and tasks: validate, check uniqueness,
// write row and side tables, journal (X5), and bring the per-user sets up to date — all in one
// transaction. Each kind supplies a descriptor with what differs.
import { newId } from '../domain/ids.js';
import type { Selectable } from 'kysely';
import type { z } from 'zod';
import type { Author } from '../domain/authors.js';
import type { Id } from '../domain/records.js';
import { conflict, invalid, notFound } from '../domain/errors.js';
import type { DB } from '../store/schema.js';
import { withSqliteStatement } from '../store/native.js';
import { chunks, inTransaction, type CrmContext } from './context.js';
import { writeJournal, type JournalRecordKind } from './journal.js';
import { removeFromAllSets } from './membership.js';
import { loadScopeUsers } from './users.js';
import { parseInput } from './validate.js';

type RecordTable = 'contacts' | 'appointments' | 'tasks';

export interface StoredRecord { id: Id; uid: string; externalId: string | null; createdAt: number; updatedAt: number; version: number }

export interface RecordKindDescriptor<R extends StoredRecord, S extends z.ZodType> {
  kind: JournalRecordKind & ('contact' | 'appointment' | 'task');
  table: RecordTable;
  schema: S;
  /** Turns validated input into a record (without id/uid/timestamps, which the store sets). */
  build(data: z.output<S>): Omit<R, keyof StoredRecord>;
  toRow(r: R): Selectable<DB[RecordTable]>;
  fromRow(row: Selectable<DB[RecordTable]>): R;
  /** User ids the record refers to, checked to exist (field name for the error). */
  referencedUsers(r: R): { field: string; ids: (Id | null)[] };
  /** Rewrites the kind's side tables (tags, participants, responsibles). */
  writeSideTables(ctx: CrmContext, r: R, replace: boolean): Promise<void>;
  /** Brings the record's set memberships up to date. */
  reconcile(ctx: CrmContext, r: R): Promise<void>;
}

export interface UpdateOptions { expectedVersion?: number; replace?: boolean }

export class RecordStore<R extends StoredRecord, S extends z.ZodType> {
  constructor(private readonly d: RecordKindDescriptor<R, S>) {}

  async find(ctx: CrmContext, id: Id): Promise<R | null> {
    const row = await ctx.db.selectFrom(this.d.table).selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.d.fromRow(row as Selectable<DB[RecordTable]>) : null;
  }

  async get(ctx: CrmContext, id: Id): Promise<R> {
    const r = await this.find(ctx, id);
    if (!r) throw notFound(this.d.kind, id);
    return r;
  }

  async getMany(ctx: CrmContext, ids: readonly Id[]): Promise<R[]> {
    const out: R[] = [];
    if (ids.length === 0) return out;
    // SQLite: one kept statement for any number of ids (src/store/native.ts; a sync batch reads
    // hundreds of records at a time, issue 4 item 6).
    // Rows are decoded 500 at a time, so they die young (the garbage collector's cheap case).
    const native = await withSqliteStatement(ctx.db, `select * from "${this.d.table}" where "id" in (select "value" from json_each(?))`, (st) => {
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += 500) {
        for (const row of st.all(JSON.stringify(unique.slice(i, i + 500))) as Selectable<DB[RecordTable]>[]) out.push(this.d.fromRow(row));
      }
      return out;
    });
    if (native) return native.value;
    for (const part of chunks([...new Set(ids)], 500)) {
      const rows = await ctx.db.selectFrom(this.d.table).selectAll().where('id', 'in', part).execute();
      out.push(...rows.map((r) => this.d.fromRow(r as Selectable<DB[RecordTable]>)));
    }
    return out;
  }

  async findBy(ctx: CrmContext, key: { externalId: string } | { uid: string }): Promise<R | null> {
    const q = ctx.db.selectFrom(this.d.table).selectAll();
    const row = await ('externalId' in key ? q.where('external_id', '=', key.externalId) : q.where('uid', '=', key.uid)).executeTakeFirst();
    return row ? this.d.fromRow(row as Selectable<DB[RecordTable]>) : null;
  }

  private assemble(data: z.output<S>, base: Pick<StoredRecord, 'id' | 'uid' | 'createdAt' | 'version'>, now: number): R {
    const fields = this.d.build(data);
    const externalId = (data as { externalId?: string | null }).externalId ?? null;
    return { ...fields, id: base.id, uid: base.uid, externalId, createdAt: base.createdAt, updatedAt: now, version: base.version } as R;
  }

  private async assertValid(ctx: CrmContext, r: R): Promise<void> {
    const byUid = await ctx.db.selectFrom(this.d.table).select('id').where('uid', '=', r.uid).where('id', '!=', r.id).executeTakeFirst();
    if (byUid) throw conflict(`another ${this.d.kind} (${byUid.id}) already has UID ${r.uid}`);
    if (r.externalId !== null) {
      const byExt = await ctx.db.selectFrom(this.d.table).select('id').where('external_id', '=', r.externalId).where('id', '!=', r.id).executeTakeFirst();
      if (byExt) throw conflict(`another ${this.d.kind} (${byExt.id}) already has external id ${r.externalId}`);
    }
    const { field, ids } = this.d.referencedUsers(r);
    const wanted = [...new Set(ids.filter((x): x is Id => x !== null))];
    const found = await loadScopeUsers(ctx, wanted);
    const missing = wanted.find((id) => !found.has(id));
    if (missing) throw invalid(`${field}: user ${missing} does not exist`, [{ path: field, message: `user ${missing} does not exist` }]);
  }

  async create(ctx: CrmContext, input: unknown, author: Author, opts: { id?: Id } = {}): Promise<R> {
    const data = parseInput(this.d.schema, input, this.d.kind);
    return inTransaction(ctx, async (tx) => {
      const id = opts.id ?? newId();
      const now = tx.now();
      const record = this.assemble(data, { id, uid: (data as { uid?: string }).uid ?? id, createdAt: now, version: 1 }, now);
      await this.assertValid(tx, record);
      await tx.db.insertInto(this.d.table).values(this.d.toRow(record) as never).execute();
      await this.d.writeSideTables(tx, record, false);
      await writeJournal(tx, { author, recordKind: this.d.kind, recordId: id, action: 'create', before: null, after: record });
      await this.d.reconcile(tx, record);
      return record;
    });
  }

  /**
   * Applies a patch (or, with `replace`, a whole new body) over the stored record.
   * `expectedVersion` gives optimistic concurrency: a stale writer gets a conflict, not a lost update.
   */
  async update(ctx: CrmContext, id: Id, patch: Record<string, unknown>, author: Author, opts: UpdateOptions = {}): Promise<R> {
    return inTransaction(ctx, async (tx) => {
      const current = await this.get(tx, id);
      if (opts.expectedVersion !== undefined && opts.expectedVersion !== current.version) {
        throw conflict(`${this.d.kind} ${id} is at version ${current.version}, not ${opts.expectedVersion}`);
      }
      const { id: _i, createdAt: _c, updatedAt: _u, version: _v, ...currentInput } = current;
      const merged = opts.replace
        ? { externalId: current.externalId, ...patch, uid: (patch.uid as string | undefined) ?? current.uid }
        : { ...currentInput, ...patch };
      const data = parseInput(this.d.schema, merged, this.d.kind);
      const next = this.assemble(data, { id, uid: (data as { uid?: string }).uid ?? current.uid, createdAt: current.createdAt, version: current.version + 1 }, tx.now());
      await this.assertValid(tx, next);
      await tx.db.updateTable(this.d.table).set(this.d.toRow(next) as never).where('id', '=', id).execute();
      await this.d.writeSideTables(tx, next, true);
      await writeJournal(tx, { author, recordKind: this.d.kind, recordId: id, action: 'update', before: current, after: next });
      await this.d.reconcile(tx, next);
      return next;
    });
  }

  /** Deletes from the CRM: a CRM user's act, never sync's (X5). X4 then removes its copies. */
  async delete(ctx: CrmContext, id: Id, author: Author): Promise<void> {
    await inTransaction(ctx, async (tx) => {
      const current = await this.get(tx, id);
      await removeFromAllSets(tx, id);
      await tx.db.deleteFrom(this.d.table).where('id', '=', id).execute();
      await writeJournal(tx, { author, recordKind: this.d.kind, recordId: id, action: 'delete', before: current, after: null });
    });
  }

  /** Puts a journaled snapshot back (undo), keeping ids; null deletes. Returns the new journal id. */
  async restore(ctx: CrmContext, id: Id, snapshot: R | null, author: Author, undoOf: number): Promise<number> {
    const current = await this.find(ctx, id);
    if (snapshot === null) {
      if (!current) throw conflict(`${this.d.kind} ${id} is already gone`);
      await removeFromAllSets(ctx, id);
      await ctx.db.deleteFrom(this.d.table).where('id', '=', id).execute();
      return writeJournal(ctx, { author, recordKind: this.d.kind, recordId: id, action: 'delete', before: current, after: null, undoOf });
    }
    const next = { ...snapshot, updatedAt: ctx.now(), version: (current?.version ?? snapshot.version) + 1 } as R;
    await this.assertValid(ctx, next);
    if (current) await ctx.db.updateTable(this.d.table).set(this.d.toRow(next) as never).where('id', '=', id).execute();
    else await ctx.db.insertInto(this.d.table).values(this.d.toRow(next) as never).execute();
    await this.d.writeSideTables(ctx, next, true);
    const entry = await writeJournal(ctx, { author, recordKind: this.d.kind, recordId: id, action: current ? 'update' : 'create', before: current, after: next, undoOf });
    await this.d.reconcile(ctx, next);
    return entry;
  }
}
