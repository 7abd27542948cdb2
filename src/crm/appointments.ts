// Appointments (SPEC Records, S2, X2, G1).
import { newId } from '../domain/ids.js';
import type { Author } from '../domain/authors.js';
import type { Appointment, Attendee, Id } from '../domain/records.js';
import { conflict, invalid, type CrmError } from '../domain/errors.js';
import { appointmentInputSchema, type AppointmentData } from '../domain/schemas.js';
import { appointmentDeletionEffect, withoutAttendee, type AppointmentDeletionEffect } from '../domain/deletion.js';
import { appointmentInSet } from '../domain/scope.js';
import { seriesBounds } from '../formats/recurrence.js';
import { inListSize, insertRows } from './bulk.js';
import { chunks, inTransaction, type CrmContext } from './context.js';
import { writeJournalMany } from './journal.js';
import { reconcileAppointment } from './membership.js';
import { ensureCollection, recordChanges } from './syncSets.js';
import { loadScopeUsers } from './users.js';
import { RecordStore, type StoredRecord } from './recordStore.js';
import { appointmentToRow, rowToAppointment } from './rows.js';
import { decodeCursor, encodeCursor, type Page } from './paging.js';

function buildAppointment(data: AppointmentData): Omit<Appointment, keyof StoredRecord> {
  const { externalId: _e, uid: _u, ...fields } = data;
  return fields as Omit<Appointment, keyof StoredRecord>;
}

/** Organizer and invited users and groups, once each. */
function participantRows(a: Appointment): { appointment_id: string; kind: 'user' | 'group'; ref_id: string }[] {
  const rows = new Map<string, { appointment_id: string; kind: 'user' | 'group'; ref_id: string }>();
  const add = (kind: 'user' | 'group', ref: string) => rows.set(`${kind}:${ref}`, { appointment_id: a.id, kind, ref_id: ref });
  if (a.organizerUserId) add('user', a.organizerUserId);
  for (const x of a.attendees) {
    if (x.kind === 'user') add('user', x.userId);
    if (x.kind === 'group') add('group', x.groupId);
  }
  return [...rows.values()];
}

/** Organizer and invited users and groups, for "whose sets does this touch" look-ups. */
async function writeParticipants(ctx: CrmContext, a: Appointment, replace: boolean): Promise<void> {
  if (replace) await ctx.db.deleteFrom('appointment_participants').where('appointment_id', '=', a.id).execute();
  const rows = participantRows(a);
  if (rows.length > 0) await ctx.db.insertInto('appointment_participants').values(rows).execute();
}

export const appointments = new RecordStore<Appointment, typeof appointmentInputSchema>({
  kind: 'appointment',
  table: 'appointments',
  schema: appointmentInputSchema,
  build: buildAppointment,
  toRow: ((a: Appointment) => appointmentToRow(a, seriesBounds(a))) as never,
  fromRow: rowToAppointment as never,
  referencedUsers: (a) => ({
    field: 'attendees',
    ids: [a.organizerUserId, ...a.attendees.flatMap((x) => (x.kind === 'user' ? [x.userId] : []))],
  }),
  writeSideTables: writeParticipants,
  reconcile: (ctx, a) => reconcileAppointment(ctx, a, { lastEnd: seriesBounds(a).lastEnd }, true),
});

/**
 * X2 / G1: a user deleted (or cancelled) the appointment on a device or target. Carries out the
 * pure decision and journals it with that author; never a hard delete.
 */
export async function applyAppointmentDeletion(ctx: CrmContext, id: Id, userId: Id, author: Author): Promise<AppointmentDeletionEffect> {
  const a = await appointments.get(ctx, id);
  const groups = await ctx.db.selectFrom('group_members').select('group_id').where('user_id', '=', userId).execute();
  const effect = appointmentDeletionEffect(a, userId, new Set(groups.map((g) => g.group_id)));
  if (effect.kind === 'cancel') await appointments.update(ctx, id, { status: 'cancelled' }, author);
  if (effect.kind === 'remove-attendee') await appointments.update(ctx, id, { attendees: withoutAttendee(a, userId) }, author);
  return effect;
}

export interface AppointmentFilter { from?: number; to?: number; participantId?: Id; status?: Appointment['status'] }

export async function listAppointments(ctx: CrmContext, f: AppointmentFilter, page: { limit: number; cursor?: string }): Promise<Page<Appointment>> {
  let q = ctx.db.selectFrom('appointments').selectAll();
  if (f.from !== undefined) { const from = f.from; q = q.where((eb) => eb.or([eb('last_end_ms', 'is', null), eb('last_end_ms', '>', from)])); }
  if (f.to !== undefined) q = q.where('start_ms', '<', f.to);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.participantId) { const p = f.participantId; q = q.where('id', 'in', (eb) => eb.selectFrom('appointment_participants').select('appointment_id').where('ref_id', '=', p)); }
  if (page.cursor) {
    const [start, id] = decodeCursor(page.cursor, 2) as [number, string];
    q = q.where((eb) => eb.or([eb('start_ms', '>', start), eb.and([eb('start_ms', '=', start), eb('id', '>', id)])]));
  }
  const rows = await q.orderBy('start_ms').orderBy('id').limit(page.limit + 1).execute();
  const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
  return { items: rows.slice(0, page.limit).map(rowToAppointment), nextCursor: last ? encodeCursor([Number(last.start_ms), last.id]) : null };
}

export interface ImportedAppointment {
  /** The created or matched appointment; null when the entry failed. */
  appointment: Appointment | null;
  matched: boolean;
  /** Why this entry was not written (a referenced user is gone, an external id is taken); the others are. */
  error: CrmError | null;
}

const attendsAsUser = (a: Appointment, userId: Id) => a.attendees.some((x) => x.kind === 'user' && x.userId === userId);

/**
 * Bulk create-or-match for file import (issue 2 items 7 and 10), the counterpart of
 * importContacts: an entry whose UID is already in the CRM is matched, not duplicated, and gets
 * `userId` as an attendee (accepted) when missing; new appointments are written with their
 * participants, journal entries (X5) and calendar-set memberships (S2) in bulk, in one transaction
 * per call. `data` is validated input (appointmentInputSchema). The checks RecordStore.create makes
 * per record (UID and external id unique, referenced users exist) are made for the whole batch;
 * an entry failing them is returned with its error and writes nothing.
 */
export async function importAppointments(ctx: CrmContext, data: readonly AppointmentData[], author: Author, userId: Id | null): Promise<ImportedAppointment[]> {
  return inTransaction(ctx, async (tx) => {
    const now = tx.now();
    const byUid = new Map<string, Appointment>();
    const uids = [...new Set(data.flatMap((d) => (d.uid ? [d.uid] : [])))];
    for (const part of chunks(uids, inListSize(tx))) {
      const rows = await tx.db.selectFrom('appointments').selectAll().where('uid', 'in', part).execute();
      for (const r of rows) byUid.set(r.uid, rowToAppointment(r));
    }
    const externalIds = [...new Set(data.flatMap((d) => (d.externalId ? [d.externalId] : [])))];
    const byExternal = new Map<string, Id>();
    for (const part of chunks(externalIds, inListSize(tx))) {
      const rows = await tx.db.selectFrom('appointments').select(['id', 'external_id']).where('external_id', 'in', part).execute();
      for (const r of rows) if (r.external_id !== null) byExternal.set(r.external_id, r.id);
    }
    const referenced = new Set<Id>();
    for (const d of data) {
      if (d.organizerUserId) referenced.add(d.organizerUserId);
      for (const x of d.attendees) if (x.kind === 'user') referenced.add(x.userId);
    }
    const users = await loadScopeUsers(tx, [...referenced]);

    const out: ImportedAppointment[] = [];
    const fresh: { a: Appointment; lastEnd: number | null }[] = [];
    const rows: ReturnType<typeof appointmentToRow>[] = [];
    for (const d of data) {
      const found = d.uid ? byUid.get(d.uid) : undefined;
      if (found) {
        const matched = userId && !attendsAsUser(found, userId)
          ? await appointments.update(tx, found.id, { attendees: withImportingUser(found.attendees, userId) }, author)
          : found;
        if (matched !== found) byUid.set(matched.uid, matched);
        out.push({ appointment: matched, matched: true, error: null });
        continue;
      }
      const id = newId();
      const a = { ...buildAppointment(d), id, uid: d.uid ?? id, externalId: d.externalId ?? null, createdAt: now, updatedAt: now, version: 1 } as Appointment;
      const error = checkNew(a, byExternal, users);
      if (error) { out.push({ appointment: null, matched: false, error }); continue; }
      byUid.set(a.uid, a);
      if (a.externalId !== null) byExternal.set(a.externalId, a.id);
      const bounds = seriesBounds(a);
      rows.push(appointmentToRow(a, bounds));
      fresh.push({ a, lastEnd: bounds.lastEnd });
      out.push({ appointment: a, matched: false, error: null });
    }
    await insertRows(tx, 'appointments', rows);
    await insertRows(tx, 'appointment_participants', fresh.flatMap(({ a }) => participantRows(a)));
    await writeJournalMany(tx, fresh.map(({ a }) => ({ author, recordKind: 'appointment' as const, recordId: a.id, action: 'create' as const, before: null, after: a })));
    await reconcileNewAppointments(tx, fresh);
    return out;
  });
}

/** The user as a required attendee who accepted, first, without a second entry for them. */
export function withImportingUser(attendees: readonly Attendee[], userId: Id): Attendee[] {
  const others = attendees.filter((a) => !(a.kind === 'user' && a.userId === userId));
  return [{ kind: 'user', userId, role: 'required', status: 'accepted' }, ...others];
}

/** RecordStore's assertValid for a new record, against batch-wide look-ups (UIDs are matched before). */
function checkNew(a: Appointment, byExternal: ReadonlyMap<string, Id>, users: ReadonlyMap<Id, unknown>): CrmError | null {
  if (a.externalId !== null) {
    const other = byExternal.get(a.externalId);
    if (other !== undefined) return conflict(`another appointment (${other}) already has external id ${a.externalId}`);
  }
  const ids = [a.organizerUserId, ...a.attendees.flatMap((x) => (x.kind === 'user' ? [x.userId] : []))];
  const missing = ids.find((id): id is Id => id !== null && !users.has(id));
  if (missing) return invalid(`attendees: user ${missing} does not exist`, [{ path: 'attendees', message: `user ${missing} does not exist` }]);
  return null;
}

/**
 * Calendar-set memberships of appointments created in this transaction, in bulk: the same rules
 * as membership.reconcileAppointment (participants, colleagues' shared views, appointmentInSet),
 * with each look-up made once for the batch and one revision bump per collection. New records
 * are in no set yet, so every desired collection gets an upsert.
 */
async function reconcileNewAppointments(ctx: CrmContext, fresh: readonly { a: Appointment; lastEnd: number | null }[]): Promise<void> {
  if (fresh.length === 0) return;
  const groupIds = new Set<Id>();
  for (const { a } of fresh) for (const x of a.attendees) if (x.kind === 'group') groupIds.add(x.groupId);
  const membersOf = new Map<Id, Id[]>();
  for (const part of chunks([...groupIds], 500)) {
    const rows = await ctx.db.selectFrom('group_members').select(['group_id', 'user_id']).where('group_id', 'in', part).execute();
    for (const r of rows) { const list = membersOf.get(r.group_id); if (list) list.push(r.user_id); else membersOf.set(r.group_id, [r.user_id]); }
  }
  const ownersOf = fresh.map(({ a }) => {
    const people = new Set<Id>();
    if (a.organizerUserId) people.add(a.organizerUserId);
    for (const x of a.attendees) {
      if (x.kind === 'user') people.add(x.userId);
      if (x.kind === 'group') for (const m of membersOf.get(x.groupId) ?? []) people.add(m);
    }
    return [...people];
  });
  const owners = [...new Set(ownersOf.flat())];
  const viewersOf = new Map<Id, Id[]>();
  for (const part of chunks(owners, 500)) {
    const shares = await ctx.db.selectFrom('calendar_shares').select(['owner_user_id', 'viewer_user_id']).where('owner_user_id', 'in', part).execute();
    for (const s of shares) { const list = viewersOf.get(s.owner_user_id); if (list) list.push(s.viewer_user_id); else viewersOf.set(s.owner_user_id, [s.viewer_user_id]); }
  }
  const users = await loadScopeUsers(ctx, [...owners, ...[...viewersOf.values()].flat()]);
  const ownerGroups = new Map<Id, Set<Id>>(owners.map((o) => [o, new Set<Id>()]));
  for (const part of chunks(owners, 500)) {
    const rows = await ctx.db.selectFrom('group_members').select(['user_id', 'group_id']).where('user_id', 'in', part).execute();
    for (const r of rows) ownerGroups.get(r.user_id)?.add(r.group_id);
  }
  const now = ctx.now();
  const collectionOf = new Map<string, string>();
  const itemsOf = new Map<string, Id[]>();
  for (const [i, { a, lastEnd }] of fresh.entries()) {
    const desired = new Set<string>();
    for (const owner of ownersOf[i]!) {
      for (const viewer of [owner, ...(viewersOf.get(owner) ?? [])]) {
        const user = users.get(viewer);
        if (!user || !appointmentInSet(user, owner, ownerGroups.get(owner) ?? new Set(), a, { lastEnd, updatedAt: a.updatedAt }, now)) continue;
        const key = `${viewer}\n${owner}`;
        let id = collectionOf.get(key);
        if (id === undefined) collectionOf.set(key, (id = (await ensureCollection(ctx, viewer, 'calendar', owner)).id));
        desired.add(id);
      }
    }
    for (const id of desired) { const list = itemsOf.get(id); if (list) list.push(a.id); else itemsOf.set(id, [a.id]); }
  }
  // A fixed order of row locks keeps concurrent writers on PostgreSQL free of deadlocks (as reconcileItem).
  for (const id of [...itemsOf.keys()].sort()) {
    await recordChanges(ctx, id, itemsOf.get(id)!.map((itemId) => ({ itemId, op: 'upsert' as const })));
  }
}
