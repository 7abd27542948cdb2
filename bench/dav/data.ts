// The benchmark data set (issue 3 item 9), deterministic: N contacts (the demo generators, as
// bench/generate.ts) and M appointments in the year from 2026-11-01, 10 % weekly recurring
// (COUNT=10). The same records are loaded into crmsync through its services and written into the
// peers' storage as the bytes crmsync's own renderer produces, so every server holds the same data.
import type { Appointment, Contact, Timing } from '../../src/domain/records.js';
import type { ContactData } from '../../src/domain/schemas.js';
import { Random } from '../../src/demo/random.js';
import { renderAppointment, renderVCard } from '../../src/formats/index.js';
import { localToEpoch } from '../../src/formats/tz.js';
import { benchContacts } from '../generate.js';

export { benchContacts };

export function contactRecord(d: ContactData, i: number): Contact {
  const { externalId: _e, uid, ...fields } = d;
  return { ...fields, id: `c${i}`, uid: uid ?? `c${i}`, externalId: null, createdAt: 0, updatedAt: 0, version: 1 };
}

export function benchAppointments(n: number, seed = 7): Appointment[] {
  const rng = new Random(seed);
  const out: Appointment[] = [];
  for (let i = 1; i <= n; i++) {
    const timeZone = rng.pick(['Europe/Berlin', 'Europe/Berlin', 'Europe/Rome']);
    const month = rng.int(0, 11); // 2026-11 .. 2027-10
    const year = 2026 + Math.floor((10 + month) / 12);
    const start = localToEpoch(timeZone, { year, month: ((10 + month) % 12) + 1, day: rng.int(1, 28), hour: rng.int(8, 17), minute: rng.pick([0, 30]), second: 0 });
    const timing: Timing = { allDay: false, start, end: start + rng.pick([30, 60, 90]) * 60_000, timeZone };
    out.push({
      id: `a${i}`, uid: `bench-appointment-${i}`, externalId: null, title: rng.pick(['Viewing', 'Besichtigung', 'Visita', 'Call', 'Jour fixe']),
      note: rng.chance(0.3) ? 'Bring the floor plans.' : '', location: rng.chance(0.5) ? 'Via Roma 12, Milano' : '', timing,
      recurrence: i % 10 === 0 ? { rrule: 'FREQ=WEEKLY;COUNT=10', rdates: [], exdates: [] } : null, overrides: [],
      status: 'confirmed', private: false, organizerUserId: null, attendees: [], reminders: [{ minutesBefore: 15 }],
      linkedContactIds: [], createdAt: 0, updatedAt: 0, version: 1,
    });
  }
  return out;
}

const resolver = { user: () => null, group: () => null, contact: () => null };
export const vcardText = (d: ContactData, i: number) => renderVCard(contactRecord(d, i), { version: '3.0' });
export const icsText = (a: Appointment) => renderAppointment(a, { resolver });
