// Export (issue 2 item 7) on SQLite and PostgreSQL: the whole CRM or one user's sync set, as
// vCard 3.0 and iCalendar; importing an export into another CRM gives back the same records.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appointments } from '../../src/crm/appointments.js';
import { contacts } from '../../src/crm/contacts.js';
import { tasks } from '../../src/crm/tasks.js';
import { createUser, getUserByName } from '../../src/crm/users.js';
import { DEMO_USERS, seedDemo } from '../../src/demo/seed.js';
import type { Appointment, Contact, Task } from '../../src/domain/records.js';
import { exportCrm } from '../../src/importexport/export.js';
import { importPath } from '../../src/importexport/import.js';
import { createTestCrm, dialects, type TestCrm } from '../helpers/databases.js';

const DIALECTS = await dialects();
const ANCHOR = '2026-11-16';

/** Record content without the store's bookkeeping, keyed by UID. */
function content<R extends Contact | Appointment | Task>(records: R[], drop: readonly string[] = []): Map<string, Record<string, unknown>> {
  return new Map(records.map((r) => {
    const { id: _i, createdAt: _c, updatedAt: _u, version: _v, externalId: _e, ...rest } = r as R & Record<string, unknown>;
    for (const k of drop) delete (rest as Record<string, unknown>)[k];
    return [r.uid, rest];
  }));
}

async function all(t: TestCrm) {
  const ids = async (table: 'contacts' | 'appointments' | 'tasks') => (await t.ctx.db.selectFrom(table).select('id').execute()).map((r) => r.id);
  return {
    contacts: await contacts.getMany(t.ctx, await ids('contacts')),
    appointments: await appointments.getMany(t.ctx, await ids('appointments')),
    tasks: await tasks.getMany(t.ctx, await ids('tasks')),
  };
}

describe.each(DIALECTS)('export on %s', (dialect) => {
  let source: TestCrm;
  let target: TestCrm;
  let dir: string;
  beforeEach(async () => {
    source = await createTestCrm(dialect);
    target = await createTestCrm(dialect);
    dir = mkdtempSync(join(tmpdir(), 'crmsync-export-'));
  });
  afterEach(async () => {
    await source.drop();
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips the demo CRM through files: same contacts, appointments and tasks', async () => {
    await seedDemo(source.ctx, { seed: 7, password: 'demo-password', anchor: ANCHOR });
    const exported = await exportCrm(source.ctx);
    expect(exported.counts).toEqual({ contacts: 500, calendar: 300, tasks: 100 });
    for (const [name, text] of Object.entries(exported.files)) writeFileSync(join(dir, name), text);

    // The same users (matched by e-mail) on the other side.
    for (const u of DEMO_USERS) await createUser(target.ctx, { ...u, password: 'demo-password' });
    const alice = await getUserByName(target.ctx, 'alice');
    const report = await importPath(target.ctx, dir, { user: alice, tick: false });
    expect(report.failures).toEqual([]);
    expect(report.created).toBe(900);

    const before = await all(source);
    const after = await all(target);
    const tickless = ['responsibleUserId'];
    expect(content(after.contacts, tickless)).toEqual(content(before.contacts, tickless));
    // Ids differ between the CRMs; compare what the files carry.
    // iCalendar carries a cancelled occurrence as an EXDATE (RFC 5545 has no other way).
    const exdates = (a: Appointment) => [...(a.recurrence?.exdates ?? []), ...a.overrides.filter((o) => o.cancelled).map((o) => o.recurrenceId)].sort();
    const calendarFields = (a: Appointment) => ({
      title: a.title, timing: a.timing, rrule: a.recurrence?.rrule ?? null, exdates: exdates(a), overrides: a.overrides.filter((o) => !o.cancelled), status: a.status, private: a.private, location: a.location, note: a.note, reminders: a.reminders });
    const byUid = (list: Appointment[]) => new Map(list.map((a) => [a.uid, calendarFields(a)]));
    expect(byUid(after.appointments)).toEqual(byUid(before.appointments));
    const taskFields = (x: Task) => ({ title: x.title, due: x.due, start: x.start, status: x.status, priority: x.priority, percentComplete: x.percentComplete, completedAt: x.completedAt, note: x.note });
    expect(new Map(after.tasks.map((x) => [x.uid, taskFields(x)]))).toEqual(new Map(before.tasks.map((x) => [x.uid, taskFields(x)])));
  }, 180_000);

  it("exports only a user's sync set with --user (S1–S3)", async () => {
    await seedDemo(source.ctx, { seed: 7, password: 'demo-password', anchor: ANCHOR });
    const carol = await getUserByName(source.ctx, 'carol');
    const { counts, files } = await exportCrm(source.ctx, { userId: carol.id });
    const ticked = await source.ctx.db.selectFrom('contact_ticks').select('contact_id').where('user_id', '=', carol.id).execute();
    expect(counts.contacts).toBe(ticked.length);
    expect(counts.contacts).toBeLessThan(500);
    expect(files['contacts.vcf'].match(/^BEGIN:VCARD/gm)?.length).toBe(counts.contacts);
    const responsible = await source.ctx.db.selectFrom('task_responsibles').select('task_id').where('user_id', '=', carol.id).execute();
    expect(counts.tasks).toBe(responsible.length);
    expect(counts.calendar).toBeGreaterThan(0);
    expect(files['calendar.ics']).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(files['calendar.ics'].match(/^BEGIN:VCALENDAR/gm)).toHaveLength(1);
    expect(files['calendar.ics'].match(/^TZID:Europe\/Berlin/gm)).toHaveLength(1);
  }, 120_000);

  it('writes attendees with the e-mail addresses of users and contacts (G2: no invitations)', async () => {
    const alice = await createUser(source.ctx, { username: 'alice', password: 'alice-password', email: 'alice@example.com', displayName: 'Alice' });
    const anna = await contacts.create(source.ctx, { givenName: 'Anna', familyName: 'Müller', emails: [{ type: 'private', value: 'anna@example.de' }] }, { kind: 'system', id: null, label: 't' });
    await appointments.create(source.ctx, {
      uid: 'x-1', title: 'Viewing', timing: { allDay: false, start: Date.UTC(2026, 11, 1, 9), end: Date.UTC(2026, 11, 1, 10), timeZone: 'Europe/Berlin' },
      organizerUserId: alice.id,
      attendees: [{ kind: 'user', userId: alice.id, role: 'required', status: 'accepted' }, { kind: 'contact', contactId: anna.id, role: 'optional', status: 'needs-action' }],
    }, { kind: 'system', id: null, label: 't' });
    const ics = (await exportCrm(source.ctx)).files['calendar.ics'].replace(/\r\n /g, '');
    expect(ics).toMatch(/^ORGANIZER;CN=Alice;SCHEDULE-AGENT=CLIENT:mailto:alice@example\.com$/m);
    expect(ics).toMatch(/^ATTENDEE;.*ROLE=OPT-PARTICIPANT.*:mailto:anna@example\.de$/m);
  });
});
