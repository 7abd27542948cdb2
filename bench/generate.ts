// Benchmark input (issue 2 item 10): 50,000 contacts as one .vcf and 20,000 appointments as one
// .ics, rendered by the formats module from the demo generators, so the import reads what an
// export of a real CRM looks like. Deterministic (seeded).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Appointment, Contact, Timing } from '../src/domain/records.js';
import { contactInputSchema, type ContactData } from '../src/domain/schemas.js';
import { generateContact } from '../src/demo/contacts.js';
import { Random } from '../src/demo/random.js';
import { renderAppointment, renderVCard } from '../src/formats/index.js';
import { localToEpoch } from '../src/formats/tz.js';
import { CalendarFileBuilder } from '../src/importexport/calendarFile.js';

export function benchContacts(n: number, seed = 42): ContactData[] {
  const rng = new Random(seed);
  const out: ContactData[] = [];
  for (let i = 1; i <= n; i++) out.push(contactInputSchema.parse(generateContact(rng, `bench-contact-${i}`)));
  return out;
}

function asContact(d: ContactData, i: number): Contact {
  const { externalId: _e, uid, ...fields } = d;
  return { ...fields, id: `c${i}`, uid: uid ?? `c${i}`, externalId: null, createdAt: 0, updatedAt: 0, version: 1 };
}

function benchAppointment(rng: Random, i: number): Appointment {
  const timeZone = rng.pick(['Europe/Berlin', 'Europe/Berlin', 'Europe/Rome']);
  const start = localToEpoch(timeZone, { year: 2027, month: rng.int(1, 12), day: rng.int(1, 28), hour: rng.int(8, 17), minute: rng.pick([0, 30]), second: 0 });
  const timing: Timing = { allDay: false, start, end: start + rng.pick([30, 60, 90]) * 60_000, timeZone };
  return {
    id: `a${i}`, uid: `bench-appointment-${i}`, externalId: null, title: rng.pick(['Viewing', 'Besichtigung', 'Visita', 'Call', 'Jour fixe']),
    note: rng.chance(0.3) ? 'Bring the floor plans.' : '', location: rng.chance(0.5) ? 'Via Roma 12, Milano' : '', timing,
    recurrence: i % 10 === 0 ? { rrule: 'FREQ=WEEKLY;COUNT=10', rdates: [], exdates: [] } : null, overrides: [],
    status: 'confirmed', private: rng.chance(0.1), organizerUserId: null, attendees: [], reminders: [{ minutesBefore: 15 }],
    linkedContactIds: [], createdAt: 0, updatedAt: 0, version: 1,
  };
}

export interface BenchFiles { contacts: string; appointments: string }

export function writeBenchFiles(dir: string, counts: { contacts: number; appointments: number }): BenchFiles {
  const contacts = join(dir, 'contacts.vcf');
  writeFileSync(contacts, benchContacts(counts.contacts).map((d, i) => renderVCard(asContact(d, i), { version: '3.0' })).join(''));
  const rng = new Random(7);
  const calendar = new CalendarFileBuilder();
  const resolver = { user: () => null, group: () => null, contact: () => null };
  for (let i = 1; i <= counts.appointments; i++) calendar.add(renderAppointment(benchAppointment(rng, i), { resolver }));
  const appointments = join(dir, 'calendar.ics');
  writeFileSync(appointments, calendar.toString());
  return { contacts, appointments };
}
