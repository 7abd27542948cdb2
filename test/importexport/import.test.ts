// Import pipeline (issue 2 items 7 and 9) on SQLite and PostgreSQL: good entries imported,
// broken ones reported with file and position, re-import matches by UID (M1, M2), the user
// gets tick / attendance / responsibility (S1–S3).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appointments } from '../../src/crm/appointments.js';
import { contacts } from '../../src/crm/contacts.js';
import { findCollection, listMembers } from '../../src/crm/syncSets.js';
import { tasks } from '../../src/crm/tasks.js';
import { createUser } from '../../src/crm/users.js';
import type { User } from '../../src/domain/records.js';
import { importPath } from '../../src/importexport/import.js';
import { createTestCrm, dialects, type TestCrm } from '../helpers/databases.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'mixed');
const DIALECTS = await dialects();

const count = async (t: TestCrm, table: 'contacts' | 'appointments' | 'tasks') =>
  Number((await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe.each(DIALECTS)('import on %s', (dialect) => {
  let t: TestCrm;
  let alice: User;
  beforeEach(async () => {
    t = await createTestCrm(dialect);
    alice = await createUser(t.ctx, { username: 'alice', password: 'alice-password', email: 'alice@example.com' });
  });
  afterEach(async () => t.drop());

  it('imports the good entries of a directory and reports each broken one with file and position', async () => {
    const report = await importPath(t.ctx, FIXTURES, { user: alice, tick: true });
    expect(report.counts).toEqual({
      contacts: { created: 3, matched: 0 }, appointments: { created: 2, matched: 0 }, tasks: { created: 1, matched: 0 },
    });
    expect(report.failures).toEqual([
      { file: 'contacts.vcf', index: 2, line: 10, message: expect.stringMatching(/version 2\.1/i) },
      { file: 'calendar.ics', index: 2, line: 22, message: expect.stringMatching(/without UID/) },
    ]);
    expect(report.skippedFiles).toEqual([join(FIXTURES, 'notes.md')]);
    expect(report.summary()).toMatch(/^created 6, matched 0, failed 2/);
  });

  it('gives the user the tick, the attendance and the responsibility (S1–S3)', async () => {
    await importPath(t.ctx, FIXTURES, { user: alice, tick: true });
    const anna = await contacts.findBy(t.ctx, { uid: 'fx-contact-1' });
    expect(anna).toMatchObject({ givenName: 'Anna', familyName: 'Müller', category: 'customer', tags: ['vip'] });
    const company = await contacts.findBy(t.ctx, { uid: 'fx-contact-3' });
    expect(company).toMatchObject({ kind: 'company', organization: 'Rossi Immobiliare S.r.l.' });

    const series = await appointments.findBy(t.ctx, { uid: 'fx-event-series' });
    expect(series?.attendees).toEqual([
      { kind: 'user', userId: alice.id, role: 'required', status: 'accepted' },
      { kind: 'contact', contactId: anna!.id, role: 'required', status: 'needs-action' },
      { kind: 'resource', name: 'Meeting room Berlin', email: 'room@example.de' },
    ]);
    expect(series?.linkedContactIds).toEqual([anna!.id]);
    expect(series?.overrides).toHaveLength(1);
    expect(series?.overrides[0]).toMatchObject({ recurrenceId: '20261214T090000', cancelled: false });
    const task = await tasks.findBy(t.ctx, { uid: 'fx-task-1' });
    expect(task?.responsibleUserIds).toEqual([alice.id]);

    const members = async (unit: 'contacts' | 'calendar' | 'tasks') =>
      (await listMembers(t.ctx, (await findCollection(t.ctx, alice.id, unit))!.id)).length;
    expect(await members('contacts')).toBe(3);
    expect(await members('calendar')).toBe(2);
    expect(await members('tasks')).toBe(1);
  });

  it('matches by UID on a second import instead of duplicating, and adds a new user to matched items', async () => {
    await importPath(t.ctx, FIXTURES, { user: alice, tick: false });
    const bob = await createUser(t.ctx, { username: 'bob', password: 'bob-password' });
    const again = await importPath(t.ctx, FIXTURES, { user: bob, tick: true });
    expect(again.counts).toEqual({
      contacts: { created: 0, matched: 3 }, appointments: { created: 0, matched: 2 }, tasks: { created: 0, matched: 1 },
    });
    expect([await count(t, 'contacts'), await count(t, 'appointments'), await count(t, 'tasks')]).toEqual([3, 2, 1]);
    const rome = await appointments.findBy(t.ctx, { uid: 'fx-event-rome' });
    expect(rome?.attendees.filter((a) => a.kind === 'user').map((a) => a.kind === 'user' && a.userId).sort()).toEqual([alice.id, bob.id].sort());
    expect((await tasks.findBy(t.ctx, { uid: 'fx-task-1' }))?.responsibleUserIds).toEqual([alice.id, bob.id]);
    expect((await listMembers(t.ctx, (await findCollection(t.ctx, bob.id, 'contacts'))!.id)).length).toBe(3);
  });

  it('keeps positions right across batches of a large file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crmsync-import-'));
    try {
      const card = (i: number) => ['BEGIN:VCARD', 'VERSION:3.0', `UID:batch-${i}`, `N:Person${i};Test;;;`, `FN:Test Person${i}`, 'END:VCARD'];
      const lines = [1, 2, 3, 4, 5, 6, 7].flatMap((i) => (i === 6 ? [...card(i).slice(0, 4), 'EMAIL:not-an-address', 'END:VCARD'] : card(i)));
      writeFileSync(join(dir, 'big.vcf'), lines.join('\r\n') + '\r\n');
      const seen: number[] = [];
      const report = await importPath(t.ctx, join(dir, 'big.vcf'), { user: alice, tick: false, batchSize: 2, onProgress: (done) => seen.push(done) });
      expect(report.counts.contacts.created).toBe(6);
      expect(report.failures).toEqual([{ file: join(dir, 'big.vcf'), index: 6, line: 31, message: expect.stringMatching(/emails\.0\.value/) }]);
      expect(seen).toEqual([2, 4, 6, 7]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a named file that is neither vCard nor iCalendar, and a missing path', async () => {
    await expect(importPath(t.ctx, join(FIXTURES, 'notes.md'), { user: alice, tick: false })).rejects.toThrow(/neither a vCard/);
    await expect(importPath(t.ctx, join(FIXTURES, 'nope.vcf'), { user: alice, tick: false })).rejects.toThrow(/no such file/);
  });
});
