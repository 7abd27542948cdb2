// What a deletion on a device or target does to the CRM (SPEC X1–X3, G1, X5): never a hard
// delete. Pure decisions; the services carry them out and journal them.
import type { Appointment, Id, Task } from './records.js';

/** X1: configurable per target; Microsoft 365 mode archives (002), the default unticks (001). */
export type ContactDeletionMode = 'untick' | 'archive';

export type AppointmentDeletionEffect =
  /** X2: the user is one of several attendees: only they leave the appointment. */
  | { kind: 'remove-attendee' }
  /** X2: the user was alone on it (or organized it alone): the appointment is cancelled. */
  | { kind: 'cancel' }
  /** G1: the user attends through a group; the item comes back at the next sync and the event is logged. */
  | { kind: 'restore'; reason: string };

export function appointmentDeletionEffect(a: Pick<Appointment, 'attendees' | 'organizerUserId'>, userId: Id, groupIdsOfUser: ReadonlySet<Id>): AppointmentDeletionEffect {
  const direct = a.attendees.some((x) => x.kind === 'user' && x.userId === userId);
  const others = a.attendees.filter((x) => !(x.kind === 'user' && x.userId === userId) && (x.kind === 'user' || x.kind === 'group'));
  if (direct) return others.length > 0 ? { kind: 'remove-attendee' } : { kind: 'cancel' };
  const viaGroup = a.attendees.some((x) => x.kind === 'group' && groupIdsOfUser.has(x.groupId));
  if (viaGroup) return { kind: 'restore', reason: 'group appointment: members cannot delete it (G1)' };
  // Organizer without being an attendee: their deletion cancels it unless others attend.
  return others.length > 0 ? { kind: 'restore', reason: 'organizer copy of an appointment with attendees; cancel it in the CRM' } : { kind: 'cancel' };
}

export function withoutAttendee<A extends Pick<Appointment, 'attendees'>>(a: A, userId: Id): A['attendees'] {
  return a.attendees.filter((x) => !(x.kind === 'user' && x.userId === userId));
}

/** X3: the user leaves the responsible field; if nobody is left, the task is cancelled. */
export function taskDeletionEffect(t: Pick<Task, 'responsibleUserIds' | 'status'>, userId: Id): { responsibleUserIds: Id[]; status: Task['status'] } {
  const responsibleUserIds = t.responsibleUserIds.filter((id) => id !== userId);
  return { responsibleUserIds, status: responsibleUserIds.length === 0 ? 'cancelled' : t.status };
}
