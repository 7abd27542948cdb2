// Demo appointments and tasks (SPEC Records): single and all-day appointments, series with
// moved and cancelled occurrences (R2), group appointments (G1), contacts and resources as
// attendees, in Europe/Berlin and Europe/Rome; tasks with responsible users, due dates, status.
import type { Attendee, Id, OccurrenceOverride, Timing } from '../domain/records.js';
import type { AppointmentInput, TaskInput } from '../domain/schemas.js';
import { instanceKeys } from '../formats/recurrence.js';
import { timingAt } from '../formats/timing.js';
import { addDaysIso, localToEpoch, parseLocal } from '../formats/tz.js';
import type { Random } from './random.js';

export interface DemoPeople {
  users: readonly Id[];
  groups: readonly { id: Id; memberIds: readonly Id[] }[];
  contacts: readonly { id: Id; name: string }[];
}

/** How many of each appointment shape make up the demo's 300. */
export const APPOINTMENT_MIX = { single: 200, allDay: 20, series: 40, group: 40 } as const;

const ZONES = ['Europe/Berlin', 'Europe/Berlin', 'Europe/Rome'] as const;
const ROOMS = ['Meeting room Berlin', 'Sala riunioni Milano', 'Company car'];
const VISITS = ['Viewing', 'Besichtigung', 'Visita immobile', 'Valuation', 'Contract signing', 'Notartermin', 'Call', 'Beratungsgespräch', 'Handover'];
const SERIES = ['Weekly pipeline review', 'Jour fixe', 'Riunione settimanale', 'Office hours', 'Monthly owners\' meeting'];
const ALL_DAY = ['Trade fair EXPO REAL', 'Open house', 'Team offsite', 'Fiera immobiliare', 'Training day'];
const TASKS = ['Send exposé to', 'Prepare contract for', 'Call back', 'Update listing for', 'Collect documents from', 'Inviare proposta a', 'Angebot schicken an'];
const RULES = ['FREQ=WEEKLY;BYDAY=MO;COUNT=12', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;COUNT=8', 'FREQ=DAILY;COUNT=10', 'FREQ=MONTHLY;BYDAY=1TU;COUNT=6', 'FREQ=WEEKLY;BYDAY=WE,FR;COUNT=16'];

const isWeekend = (isoDate: string) => [0, 6].includes(new Date(`${isoDate}T00:00:00Z`).getUTCDay());

function timed(rng: Random, day: string, zone: string, startHour: [number, number], minutes: readonly number[]): Timing {
  const d = parseLocal(day)!;
  const start = localToEpoch(zone, { ...d, hour: rng.int(startHour[0], startHour[1]), minute: rng.pick([0, 15, 30, 45]), second: 0 });
  return { allDay: false, start, end: start + rng.pick(minutes) * 60_000, timeZone: zone };
}

function workday(rng: Random, anchor: string, from: number, to: number): string {
  let day = addDaysIso(anchor, rng.int(from, to));
  while (isWeekend(day)) day = addDaysIso(day, 1);
  return day;
}

function userAttendees(rng: Random, people: DemoPeople, owner: Id): Attendee[] {
  const out: Attendee[] = [{ kind: 'user', userId: owner, role: 'required', status: 'accepted' }];
  if (rng.chance(0.3)) {
    const other = rng.pick(people.users.filter((u) => u !== owner));
    out.push({ kind: 'user', userId: other, role: rng.chance(0.5) ? 'optional' : 'required', status: rng.pick(['needs-action', 'accepted', 'tentative'] as const) });
  }
  return out;
}

/** Moves one occurrence by an hour and cancels another (R2), keyed by their original starts. */
function exceptions(rng: Random, series: Pick<AppointmentInput, 'timing' | 'recurrence'>): OccurrenceOverride[] {
  const keys: string[] = [];
  for (const k of instanceKeys({ timing: series.timing as Timing, recurrence: { rrule: series.recurrence!.rrule!, rdates: [], exdates: [] }, overrides: [] })) {
    keys.push(k);
    if (keys.length >= 6) break;
  }
  const [moved, cancelled] = rng.sample(keys.slice(1), 2);
  const out: OccurrenceOverride[] = [];
  if (moved) {
    const t = timingAt(series.timing as Timing, moved);
    if (t && !t.allDay) out.push({ recurrenceId: moved, cancelled: false, timing: { ...t, start: t.start + 3_600_000, end: t.end + 3_600_000 }, location: 'Moved: see note' });
  }
  if (cancelled && rng.chance(0.8)) out.push({ recurrenceId: cancelled, cancelled: true });
  return out;
}

function seriesInput(rng: Random, anchor: string, uid: string, owner: Id, attendees: Attendee[]): AppointmentInput {
  const zone = rng.pick(ZONES);
  const base = { timing: timed(rng, workday(rng, anchor, -21, 7), zone, [8, 16], [30, 60]), recurrence: { rrule: rng.pick(RULES), rdates: [], exdates: [] } };
  return {
    uid, title: rng.pick(SERIES), location: rng.pick(['Office', 'Ufficio Milano', 'Teams', 'Büro Berlin']), ...base,
    overrides: rng.chance(0.75) ? exceptions(rng, base) : [], organizerUserId: owner, attendees, reminders: [{ minutesBefore: 10 }],
  };
}

export function generateAppointments(rng: Random, people: DemoPeople, anchor: string, uidPrefix: string): AppointmentInput[] {
  const out: AppointmentInput[] = [];
  const uid = () => `${uidPrefix}-appointment-${out.length + 1}`;
  for (let i = 0; i < APPOINTMENT_MIX.single; i++) {
    const owner = rng.pick(people.users);
    const contact = rng.chance(0.6) ? rng.pick(people.contacts) : null;
    const attendees = userAttendees(rng, people, owner);
    if (contact) attendees.push({ kind: 'contact', contactId: contact.id, role: 'required', status: rng.pick(['needs-action', 'accepted'] as const) });
    if (rng.chance(0.1)) attendees.push({ kind: 'resource', name: rng.pick(ROOMS), email: null });
    const status = rng.chance(0.05) ? 'cancelled' : rng.chance(0.1) ? 'tentative' : 'confirmed';
    out.push({
      uid: uid(), title: `${rng.pick(VISITS)}${contact ? ` – ${contact.name}` : ''}`, note: rng.chance(0.3) ? 'Bring the floor plans and the energy certificate.' : '',
      location: rng.chance(0.7) ? rng.pick(['Via Roma 12, Milano', 'Hauptstraße 5, Berlin', 'Office', 'Phone', 'Corso Italia 3, Roma']) : '',
      timing: timed(rng, workday(rng, anchor, -45, 60), rng.pick(ZONES), [8, 17], [30, 45, 60, 90, 120]),
      status, private: rng.chance(0.1), organizerUserId: owner, attendees,
      reminders: rng.chance(0.7) ? [{ minutesBefore: rng.pick([10, 15, 30, 60]) }] : [],
      linkedContactIds: contact ? [contact.id] : [],
    });
  }
  for (let i = 0; i < APPOINTMENT_MIX.allDay; i++) {
    const owner = rng.pick(people.users);
    const startDate = addDaysIso(anchor, rng.int(-30, 60));
    out.push({
      uid: uid(), title: rng.pick(ALL_DAY), timing: { allDay: true, startDate, endDate: addDaysIso(startDate, rng.int(1, 3)) },
      organizerUserId: owner, attendees: userAttendees(rng, people, owner),
    });
  }
  for (let i = 0; i < APPOINTMENT_MIX.series; i++) {
    const owner = rng.pick(people.users);
    out.push(seriesInput(rng, anchor, uid(), owner, userAttendees(rng, people, owner)));
  }
  for (let i = 0; i < APPOINTMENT_MIX.group; i++) {
    const group = rng.pick(people.groups);
    const owner = rng.pick(group.memberIds);
    const attendees: Attendee[] = [
      { kind: 'user', userId: owner, role: 'required', status: 'accepted' },
      { kind: 'group', groupId: group.id, role: 'required' },
    ];
    if (i % 4 === 0) out.push(seriesInput(rng, anchor, uid(), owner, attendees)); // team meetings repeat
    else {
      out.push({
        uid: uid(), title: rng.pick(['Team meeting', 'Sales briefing', 'Besprechung Neubauprojekt', 'Riunione di team']),
        location: rng.pick(['Meeting room Berlin', 'Sala riunioni Milano', 'Teams']),
        timing: timed(rng, workday(rng, anchor, -30, 45), rng.pick(ZONES), [9, 16], [30, 60]),
        organizerUserId: owner, attendees, reminders: [{ minutesBefore: 15 }],
      });
    }
  }
  return out;
}

export function generateTasks(rng: Random, people: DemoPeople, anchor: string, uidPrefix: string, count: number): TaskInput[] {
  const out: TaskInput[] = [];
  for (let i = 0; i < count; i++) {
    const contact = rng.pick(people.contacts);
    const responsible = rng.sample(people.users, rng.chance(0.2) ? 2 : 1);
    const due = localToEpoch('Europe/Berlin', { ...parseLocal(addDaysIso(anchor, rng.int(-10, 30)))!, hour: 17, minute: 0, second: 0 });
    const roll = rng.next();
    const status = roll < 0.5 ? 'needs-action' : roll < 0.75 ? 'in-process' : roll < 0.95 ? 'completed' : 'cancelled';
    out.push({
      uid: `${uidPrefix}-task-${i + 1}`, title: `${rng.pick(TASKS)} ${contact.name}`,
      note: rng.chance(0.3) ? 'See the last e-mail in the contact history.' : '',
      start: rng.chance(0.3) ? due - rng.int(1, 5) * 86_400_000 : null, due,
      priority: rng.pick([0, 1, 5, 9]), status,
      percentComplete: status === 'completed' ? 100 : status === 'in-process' ? rng.int(1, 9) * 10 : 0,
      completedAt: status === 'completed' ? due - 3_600_000 : null,
      responsibleUserIds: responsible, linkedContactIds: [contact.id],
    });
  }
  return out;
}
