// Which records belong to a user's sync set (SPEC S1–S5). Pure: every fact comes in as data,
// so the store can evaluate membership on each write and the window job can re-evaluate it.
import type { Appointment, Contact, Id, Right, SyncSettings, Task } from './records.js';

export const DAY_MS = 86_400_000;

/** What scope rules need to know about the user whose set is evaluated. */
export interface ScopeUser {
  id: Id;
  isAdmin: boolean;
  disabled: boolean;
  departmentId: Id | null;
  rights: readonly Right[];
  settings: SyncSettings;
}

export function hasRight(user: Pick<ScopeUser, 'isAdmin' | 'rights'>, right: Right): boolean {
  return user.isAdmin || user.rights.includes(right);
}

/**
 * S1 "what the user may see at all": admins and holders of view_all_contacts see every
 * contact; others see unassigned contacts, their own, and those of their department.
 */
export function maySeeContact(
  user: ScopeUser,
  contact: Pick<Contact, 'responsibleUserId'>,
  departmentOf: (userId: Id) => Id | null,
): boolean {
  if (hasRight(user, 'view_all_contacts')) return true;
  const responsible = contact.responsibleUserId;
  if (responsible === null || responsible === user.id) return true;
  return user.departmentId !== null && departmentOf(responsible) === user.departmentId;
}

/** S1: ticked, not archived, passes the user's filters and visibility. */
export function contactInSet(
  user: ScopeUser,
  contact: Pick<Contact, 'kind' | 'tags' | 'category' | 'responsibleUserId' | 'archived'>,
  ticked: boolean,
  departmentOf: (userId: Id) => Id | null,
): boolean {
  if (user.disabled || !ticked || contact.archived) return false;
  const s = user.settings;
  if (!s.contactKinds.includes(contact.kind)) return false;
  if (s.contactTags.length > 0 && !contact.tags.some((t) => s.contactTags.includes(t))) return false;
  if (s.contactCategories.length > 0 && (contact.category === null || !s.contactCategories.includes(contact.category))) return false;
  if (s.contactResponsibleUserIds.length > 0 &&
      (contact.responsibleUserId === null || !s.contactResponsibleUserIds.includes(contact.responsibleUserId))) return false;
  return maySeeContact(user, contact, departmentOf);
}

/** Is `personId` invited to (or organizing) the appointment, directly or through one of their groups? */
export function isParticipant(
  appointment: Pick<Appointment, 'attendees' | 'organizerUserId'>,
  personId: Id,
  groupIdsOfPerson: ReadonlySet<Id>,
): boolean {
  if (appointment.organizerUserId === personId) return true;
  return appointment.attendees.some((a) =>
    (a.kind === 'user' && a.userId === personId) || (a.kind === 'group' && groupIdsOfPerson.has(a.groupId)));
}

export interface WindowFacts {
  /** End of the last occurrence (null: series without end). */
  lastEnd: number | null;
  updatedAt: number;
}

/** S2 window: ended after now − pastDays, and (when set) modified within the last X days. */
export function inWindow(settings: SyncSettings, facts: WindowFacts, now: number): boolean {
  if (facts.lastEnd !== null && facts.lastEnd <= now - settings.pastDays * DAY_MS) return false;
  if (settings.modifiedWithinDays !== null && facts.updatedAt < now - settings.modifiedWithinDays * DAY_MS) return false;
  return true;
}

/**
 * S2/S4/S5 for the calendar collection of `viewer` showing `owner`'s appointments (owner is
 * the viewer for their own calendar, a colleague under A4 otherwise).
 */
export function appointmentInSet(
  viewer: ScopeUser,
  ownerId: Id,
  ownerGroupIds: ReadonlySet<Id>,
  appointment: Pick<Appointment, 'attendees' | 'organizerUserId' | 'status' | 'private'>,
  window: WindowFacts,
  now: number,
): boolean {
  if (viewer.disabled) return false;
  if (appointment.status === 'cancelled') return false; // S5: a cancelled appointment leaves the set
  if (!isParticipant(appointment, ownerId, ownerGroupIds)) return false;
  if (appointment.private && (viewer.settings.excludePrivate || ownerId !== viewer.id)) return false; // S4
  return inWindow(viewer.settings, window, now);
}

/** S3: the user is responsible for the task. */
export function taskInSet(user: ScopeUser, task: Pick<Task, 'responsibleUserIds'>): boolean {
  return !user.disabled && task.responsibleUserIds.includes(user.id);
}
