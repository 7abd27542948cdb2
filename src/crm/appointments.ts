// Appointments (SPEC Records, S2, X2, G1).
import type { Author } from '../domain/authors.js';
import type { Appointment, Id } from '../domain/records.js';
import { appointmentInputSchema, type AppointmentData } from '../domain/schemas.js';
import { appointmentDeletionEffect, withoutAttendee, type AppointmentDeletionEffect } from '../domain/deletion.js';
import { seriesBounds } from '../formats/recurrence.js';
import type { CrmContext } from './context.js';
import { reconcileAppointment } from './membership.js';
import { RecordStore, type StoredRecord } from './recordStore.js';
import { appointmentToRow, rowToAppointment } from './rows.js';
import { decodeCursor, encodeCursor, type Page } from './paging.js';

function buildAppointment(data: AppointmentData): Omit<Appointment, keyof StoredRecord> {
  const { externalId: _e, uid: _u, ...fields } = data;
  return fields as Omit<Appointment, keyof StoredRecord>;
}

/** Organizer and invited users and groups, for "whose sets does this touch" look-ups. */
async function writeParticipants(ctx: CrmContext, a: Appointment, replace: boolean): Promise<void> {
  if (replace) await ctx.db.deleteFrom('appointment_participants').where('appointment_id', '=', a.id).execute();
  const rows = new Map<string, { appointment_id: string; kind: 'user' | 'group'; ref_id: string }>();
  const add = (kind: 'user' | 'group', ref: string) => rows.set(`${kind}:${ref}`, { appointment_id: a.id, kind, ref_id: ref });
  if (a.organizerUserId) add('user', a.organizerUserId);
  for (const x of a.attendees) {
    if (x.kind === 'user') add('user', x.userId);
    if (x.kind === 'group') add('group', x.groupId);
  }
  if (rows.size > 0) await ctx.db.insertInto('appointment_participants').values([...rows.values()]).execute();
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
