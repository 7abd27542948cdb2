// Row <-> record conversion. Columns hold what is queried or indexed; the rest of a record
// travels as JSON in `data`, so adding a field is no migration.
import type { Selectable } from 'kysely';
import type { Appointment, Contact, ContactKind, Id, Task } from '../domain/records.js';
import type { ContactData } from '../domain/schemas.js';
import type { AppointmentsTable, ContactsTable, TasksTable } from '../store/schema.js';

type ContactColumns = 'id' | 'externalId' | 'uid' | 'kind' | 'category' | 'responsibleUserId' | 'archived' | 'createdAt' | 'updatedAt' | 'version';
/** What a contact row keeps in its `data` JSON. */
type ContactDataJson = Omit<Contact, ContactColumns>;

export function contactDisplayName(c: Pick<Contact, 'kind' | 'givenName' | 'familyName' | 'organization' | 'emails' | 'nickname'>): string {
  const person = [c.givenName, c.familyName].filter((s) => s.trim() !== '').join(' ');
  if (c.kind === 'company') return c.organization || person || c.emails[0]?.value || '';
  return person || c.nickname || c.organization || c.emails[0]?.value || '';
}

/** A contact's own fields from validated input: the record less what the store assigns (id, times, version, uid). */
export type ContactFields = Omit<Contact, 'id' | 'externalId' | 'uid' | 'createdAt' | 'updatedAt' | 'version'>;

export function contactFields(input: ContactData): ContactFields {
  const { externalId: _e, uid: _u, ...fields } = input;
  return { ...fields, tags: [...new Set(fields.tags)] };
}

/**
 * A new contact as the bulk import writes it, less what only the writer knows (id, times,
 * version). Pure, so it is computed where the card is parsed — a parse worker for big files
 * (src/importexport/parsePool.ts) — and crosses to the writer as a few strings instead of a deep
 * object; `dataJson` is contactToRow's `data` for the same contact.
 */
export interface ContactDraft {
  uid: string | null;
  externalId: string | null;
  kind: ContactKind;
  category: string | null;
  responsibleUserId: Id | null;
  archived: boolean;
  tags: string[];
  displayName: string;
  dataJson: string;
}

export function draftContact(input: ContactData): ContactDraft {
  const { kind, category, responsibleUserId, archived, ...data } = contactFields(input);
  const { givenName, familyName, organization, emails, nickname } = data;
  return {
    uid: input.uid ?? null, externalId: input.externalId ?? null, kind, category, responsibleUserId, archived, tags: data.tags,
    displayName: contactDisplayName({ kind, givenName, familyName, organization, emails, nickname }), dataJson: JSON.stringify(data),
  };
}

export function contactToRow(c: Contact): Selectable<ContactsTable> {
  const { id, externalId, uid, kind, category, responsibleUserId, archived, createdAt, updatedAt, version, ...data } = c;
  return {
    id, external_id: externalId, uid, kind, category, responsible_user_id: responsibleUserId,
    archived: archived ? 1 : 0, display_name: contactDisplayName(c), data: JSON.stringify(data),
    created_at: createdAt, updated_at: updatedAt, version,
  };
}

export function rowToContact(r: Selectable<ContactsTable>): Contact {
  const data = JSON.parse(r.data) as ContactDataJson;
  return {
    id: r.id, externalId: r.external_id, uid: r.uid, kind: r.kind as Contact['kind'], ...data,
    category: r.category, responsibleUserId: r.responsible_user_id, archived: r.archived === 1,
    createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), version: r.version,
  };
}

type AppointmentColumns = 'id' | 'externalId' | 'uid' | 'title' | 'status' | 'private' | 'organizerUserId' | 'createdAt' | 'updatedAt' | 'version';

export function appointmentToRow(a: Appointment, bounds: { firstStart: number; lastEnd: number | null }): Selectable<AppointmentsTable> {
  const { id, externalId, uid, title, status, private: isPrivate, organizerUserId, createdAt, updatedAt, version, ...data } = a;
  return {
    id, external_id: externalId, uid, title, status, private: isPrivate ? 1 : 0, organizer_user_id: organizerUserId,
    start_ms: bounds.firstStart, last_end_ms: bounds.lastEnd, data: JSON.stringify(data),
    created_at: createdAt, updated_at: updatedAt, version,
  };
}

export function rowToAppointment(r: Selectable<AppointmentsTable>): Appointment {
  const data = JSON.parse(r.data) as Omit<Appointment, AppointmentColumns>;
  return {
    id: r.id, externalId: r.external_id, uid: r.uid, title: r.title, ...data,
    status: r.status as Appointment['status'], private: r.private === 1, organizerUserId: r.organizer_user_id,
    createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), version: r.version,
  };
}

type TaskColumns = 'id' | 'externalId' | 'uid' | 'title' | 'status' | 'due' | 'createdAt' | 'updatedAt' | 'version';

export function taskToRow(t: Task): Selectable<TasksTable> {
  const { id, externalId, uid, title, status, due, createdAt, updatedAt, version, ...data } = t;
  return {
    id, external_id: externalId, uid, title, status, due_ms: due, data: JSON.stringify(data),
    created_at: createdAt, updated_at: updatedAt, version,
  };
}

export function rowToTask(r: Selectable<TasksTable>): Task {
  const data = JSON.parse(r.data) as Omit<Task, TaskColumns>;
  return {
    id: r.id, externalId: r.external_id, uid: r.uid, title: r.title, ...data,
    status: r.status as Task['status'], due: r.due_ms === null ? null : Number(r.due_ms),
    createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), version: r.version,
  };
}
