// `crmsync demo`: a realistic demo CRM (issue 2 item 7) — 3 users, 2 groups, 500 private and
// company contacts ticked for their users (S1), 300 appointments (series with exceptions, group
// appointments), 100 tasks. The seed fixes every record; only the dates follow `anchor`, the
// Monday of the current week by default, so the demo always lies in the S2 window.
import { randomBytes } from 'node:crypto';
import { SYSTEM, type Author } from '../domain/authors.js';
import { conflict } from '../domain/errors.js';
import type { Id } from '../domain/records.js';
import { contactInputSchema } from '../domain/schemas.js';
import { appointments } from '../crm/appointments.js';
import { importContacts } from '../crm/contacts.js';
import { inTransaction, type CrmContext } from '../crm/context.js';
import { createGroup, setGroupMember } from '../crm/groups.js';
import { draftContact, type ContactDraft } from '../crm/rows.js';
import { tasks } from '../crm/tasks.js';
import { createDepartment, createUser, findUserByName } from '../crm/users.js';
import { addDaysIso } from '../formats/tz.js';
import { ProgressCounter, type ProgressListener } from '../importexport/progress.js';
import { generateAppointments, generateTasks, type DemoPeople } from './calendar.js';
import { generateContact } from './contacts.js';
import { Random } from './random.js';

export const DEMO_USERS = [
  { username: 'alice', displayName: 'Alice Schneider', email: 'alice@demo.crmsync.example' },
  { username: 'bob', displayName: 'Roberto Bianchi', email: 'bob@demo.crmsync.example' },
  { username: 'carol', displayName: 'Carol Taylor', email: 'carol@demo.crmsync.example' },
] as const;
export const DEMO_DEPARTMENT = 'Sales & Property Management';
export const DEMO_GROUPS = [
  { name: 'Sales', members: ['alice', 'bob'] },
  { name: 'Property Management', members: ['bob', 'carol'] },
] as const;
export const DEMO_COUNTS = { contacts: 500, appointments: 300, tasks: 100 } as const;

export interface DemoOptions {
  seed?: number;
  /** One password for the three users; generated when absent. */
  password?: string;
  /** "YYYY-MM-DD" the dates are laid around; the Monday of the current week by default. */
  anchor?: string;
  onProgress?: ProgressListener;
}

export interface DemoResult {
  password: string;
  generatedPassword: boolean;
  counts: { users: number; groups: number; contacts: number; appointments: number; tasks: number; ticks: number };
}

export function mondayOf(ms: number): string {
  const d = new Date(ms);
  const iso = d.toISOString().slice(0, 10);
  return addDaysIso(iso, -((d.getUTCDay() + 6) % 7));
}

const DEMO_AUTHOR: Author = { ...SYSTEM, label: 'demo' };

export async function seedDemo(ctx: CrmContext, opts: DemoOptions = {}): Promise<DemoResult> {
  const seed = opts.seed ?? 1;
  const rng = new Random(seed);
  const anchor = opts.anchor ?? mondayOf(ctx.now());
  const password = opts.password ?? randomBytes(9).toString('base64url');
  const progress = new ProgressCounter(DEMO_USERS.length + DEMO_COUNTS.contacts + DEMO_COUNTS.appointments + DEMO_COUNTS.tasks, opts.onProgress);
  for (const u of DEMO_USERS) {
    if (await findUserByName(ctx, u.username)) throw conflict(`user ${u.username} already exists; run the demo on an empty data directory`);
  }

  // One department, so colleagues see each other's contacts and may add each other's calendars (A4).
  const department = await createDepartment(ctx, DEMO_DEPARTMENT);
  const userIds = new Map<string, Id>();
  for (const u of DEMO_USERS) {
    userIds.set(u.username, (await createUser(ctx, { ...u, password, departmentId: department.id })).id);
    progress.advance(1);
  }
  const users = [...userIds.values()];
  const groups: DemoPeople['groups'][number][] = [];
  for (const g of DEMO_GROUPS) {
    const group = await createGroup(ctx, g.name);
    for (const m of g.members) await setGroupMember(ctx, group.id, userIds.get(m)!, true);
    groups.push({ id: group.id, memberIds: g.members.map((m) => userIds.get(m)!) });
  }

  const uidPrefix = `demo-${seed}`;
  const data: ContactDraft[] = [];
  for (let i = 1; i <= DEMO_COUNTS.contacts; i++) data.push(draftContact(contactInputSchema.parse(generateContact(rng, `${uidPrefix}-contact-${i}`, users))));
  const created = await importContacts(ctx, data, DEMO_AUTHOR, null);
  progress.advance(data.length);
  // S1: each user ticks the contacts they are responsible for and a few of their colleagues'.
  let ticks = 0;
  for (const userId of users) {
    const mine = data.filter((d) => d.responsibleUserId === userId || rng.chance(0.1));
    await importContacts(ctx, mine, DEMO_AUTHOR, userId);
    ticks += mine.length;
  }

  const people: DemoPeople = { users, groups, contacts: created.map((c, i) => ({ id: c.id, name: data[i]!.displayName })) };
  const appointmentInputs = generateAppointments(rng, people, anchor, uidPrefix);
  await inTransaction(ctx, async (tx) => {
    for (const a of appointmentInputs) {
      await appointments.create(tx, a, DEMO_AUTHOR);
      progress.advance(1);
    }
  });
  const taskInputs = generateTasks(rng, people, anchor, uidPrefix, DEMO_COUNTS.tasks);
  await inTransaction(ctx, async (tx) => {
    for (const t of taskInputs) {
      await tasks.create(tx, t, DEMO_AUTHOR);
      progress.advance(1);
    }
  });
  return {
    password, generatedPassword: opts.password === undefined,
    counts: { users: users.length, groups: groups.length, contacts: created.length, appointments: appointmentInputs.length, tasks: taskInputs.length, ticks },
  };
}
