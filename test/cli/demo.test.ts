// The demo CRM (issue 2 item 7) on SQLite and PostgreSQL: the promised numbers and shapes,
// deterministic for a seed, and the users' sync sets filled (S1–S3).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appointments } from '../../src/crm/appointments.js';
import { contacts } from '../../src/crm/contacts.js';
import { listCollections, listMembers } from '../../src/crm/syncSets.js';
import { getUserByName } from '../../src/crm/users.js';
import { DEMO_COUNTS, mondayOf, seedDemo } from '../../src/demo/seed.js';
import { createTestCrm, dialects, type TestCrm } from '../helpers/databases.js';

const DIALECTS = await dialects();

describe.each(DIALECTS)('demo on %s', (dialect) => {
  let t: TestCrm;
  beforeEach(async () => { t = await createTestCrm(dialect); });
  afterEach(async () => t.drop());

  it('creates 3 users, 2 groups, 500 contacts, 300 appointments with series, exceptions and groups, 100 tasks', async () => {
    const result = await seedDemo(t.ctx, { seed: 3, password: 'demo-password' });
    expect(result.counts).toMatchObject({ users: 3, groups: 2, ...{ contacts: 500, appointments: 300, tasks: 100 } });
    expect(DEMO_COUNTS).toEqual({ contacts: 500, appointments: 300, tasks: 100 });

    const all = await appointments.getMany(t.ctx, (await t.ctx.db.selectFrom('appointments').select('id').execute()).map((r) => r.id));
    const series = all.filter((a) => a.recurrence?.rrule);
    expect(series.length).toBeGreaterThanOrEqual(40);
    expect(series.some((a) => a.overrides.some((o) => o.cancelled))).toBe(true);
    expect(series.some((a) => a.overrides.some((o) => !o.cancelled && o.timing))).toBe(true);
    expect(all.filter((a) => a.attendees.some((x) => x.kind === 'group')).length).toBe(40);
    expect(all.filter((a) => a.timing.allDay).length).toBe(20);
    const zones = new Set(all.flatMap((a) => (a.timing.allDay ? [] : [a.timing.timeZone])));
    expect(zones).toEqual(new Set(['Europe/Berlin', 'Europe/Rome']));

    const people = await contacts.getMany(t.ctx, (await t.ctx.db.selectFrom('contacts').select('id').execute()).map((r) => r.id));
    const companies = people.filter((c) => c.kind === 'company');
    expect(companies.length).toBeGreaterThan(100);
    expect(companies.length).toBeLessThan(200);
    expect(new Set(people.flatMap((c) => c.phones.map((p) => p.type)))).toEqual(new Set(['business', 'private', 'mobile', 'fax']));
    expect(new Set(people.flatMap((c) => c.emails.map((e) => e.type)))).toEqual(new Set(['business', 'private']));
    expect(new Set(people.map((c) => c.addresses[0]?.country))).toEqual(new Set(['Deutschland', 'Italia', 'United Kingdom']));

    for (const name of ['alice', 'bob', 'carol']) {
      const user = await getUserByName(t.ctx, name);
      for (const c of await listCollections(t.ctx, user.id)) expect((await listMembers(t.ctx, c.id)).length, `${name} ${c.unit}`).toBeGreaterThan(0);
    }
  }, 180_000);

  it('is deterministic for a seed and refuses a CRM that already has the demo users', async () => {
    await seedDemo(t.ctx, { seed: 11, password: 'demo-password', anchor: '2026-11-16' });
    const first = await contacts.findBy(t.ctx, { uid: 'demo-11-contact-17' });
    const again = await createTestCrm(dialect);
    try {
      await seedDemo(again.ctx, { seed: 11, password: 'other-password', anchor: '2026-11-16' });
      const second = await contacts.findBy(again.ctx, { uid: 'demo-11-contact-17' });
      const strip = (c: typeof first) => ({ ...c, id: '', createdAt: 0, updatedAt: 0, responsibleUserId: null });
      expect(strip(second)).toEqual(strip(first));
      const a1 = await appointments.findBy(t.ctx, { uid: 'demo-11-appointment-250' });
      const a2 = await appointments.findBy(again.ctx, { uid: 'demo-11-appointment-250' });
      expect(a2?.timing).toEqual(a1?.timing);
      expect(a2?.overrides).toEqual(a1?.overrides);
    } finally {
      await again.drop();
    }
    await expect(seedDemo(t.ctx, { seed: 12 })).rejects.toThrow('user alice already exists; run the demo on an empty data directory');
  }, 180_000);

  it('lays the dates around the Monday of the current week', () => {
    expect(mondayOf(Date.UTC(2026, 10, 22, 9))).toBe('2026-11-16'); // a Sunday
    expect(mondayOf(Date.UTC(2026, 10, 16, 0))).toBe('2026-11-16');
  });
});
