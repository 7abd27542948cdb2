import { readFileSync } from 'node:fs';
import type { Appointment, Contact, Task } from '../../src/domain/records.js';
import type { AppointmentFields, TaskFields } from '../../src/formats/icalendar.js';
import type { ContactFields } from '../../src/formats/vcard.js';

export const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/formats/${name}`, import.meta.url), 'utf8');

const bookkeeping = { externalId: null, createdAt: Date.UTC(2026, 0, 1, 8), updatedAt: Date.UTC(2026, 0, 2, 9, 30), version: 3 };

export function contactOf(fields: ContactFields, uid = 'uid-1'): Contact {
  return { ...fields, ...bookkeeping, id: 'c1', uid, archived: false, responsibleUserId: null };
}

export function appointmentOf(fields: AppointmentFields, uid = 'evt-1', extra: Partial<Appointment> = {}): Appointment {
  return { ...fields, ...bookkeeping, id: 'a1', uid, organizerUserId: null, attendees: [], linkedContactIds: [], ...extra };
}

export function taskOf(fields: TaskFields, uid = 'task-1'): Task {
  return { ...fields, ...bookkeeping, id: 't1', uid, responsibleUserIds: ['u1'], linkedContactIds: [] };
}

/** Every physical line of a rendered document is at most 75 octets and ends in CRLF. */
export function expectWellFolded(text: string): boolean {
  if (!text.endsWith('\r\n')) return false;
  return text.slice(0, -2).split('\r\n').every((l) => Buffer.byteLength(l, 'utf8') <= 75) && !/[^\r]\n/.test(text);
}
