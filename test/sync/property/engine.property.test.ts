// Model-based property test of the REAL engine (issue 4 item 5): runBatch/runToEnd on an SQLite
// store, CRM changes through src/crm services, the remote an in-memory account behind the
// Connector interface. Random sequences of creates, edits, leaves/returns and deletes on both
// sides, interleaved with sync runs that suffer flaky ETags (churn), failing writes (transient,
// rejected item, precondition), forgotten sync tokens, crashes mid-batch and runs cut off after
// k batches (L1 continuation). Afterwards, fault-free runs must converge:
//  - every item of the user's set has exactly one link and one remote copy with the same content,
//    and no remote item carries a CRM id twice (M2: no duplicates);
//  - the CRM never lost a record through sync (X5: row counts never decrease, no journal entry by a
//    target is a delete);
//  - a further run plans and changes nothing (no write either way, no new version remotely).
// ENGINE_PROPERTY_RUNS (default 60; 1,500 pass in ~2 min), ENGINE_PROPERTY_SEED/_PATH replay a
// counterexample, ENGINE_PROPERTY_DEBUG prints its sync events and journal.
// The pure decision tables have their own model test (test/sync/model.property.test.ts); this one
// proves the persistence, cursors and applier around them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { createTestCrm, type TestCrm } from '../../helpers/databases.js';
import { createUser } from '../../../src/crm/users.js';
import { contacts, createContact, setTick } from '../../../src/crm/contacts.js';
import { tasks } from '../../../src/crm/tasks.js';
import { appointments } from '../../../src/crm/appointments.js';
import { listJournal } from '../../../src/crm/journal.js';
import { SYSTEM, userAuthor, type Author } from '../../../src/domain/authors.js';
import type { Id, Unit } from '../../../src/domain/records.js';
import { createKeyring } from '../../../src/security/keyring.js';
import { MemoryAccount, type MemoryItem } from '../../../src/connectors/memory/index.js';
import { RemoteError, type UnitPayload } from '../../../src/connectors/types.js';
import { addTarget } from '../../../src/sync/engine/targets.js';
import { listChannels, updateChannel } from '../../../src/sync/engine/channels.js';
import { runBatch, runToEnd, type EngineDeps } from '../../../src/sync/engine/run.js';
import { allLinks } from '../../../src/sync/engine/links.js';
import { project, projectPayload } from '../../../src/sync/engine/projection.js';

const RUNS = Number(process.env.ENGINE_PROPERTY_RUNS ?? 60);
const COL = '/dav/u/col/';

type FaultKind = 'transient' | 'rejected-item' | 'precondition' | 'crash';
interface Fault { at: number; kind: FaultKind; op: 'any' | 'create' | 'update' | 'delete' | 'fetch' | 'changes' }

type Op =
  | { op: 'crmCreate'; name: string }
  | { op: 'crmEdit'; pick: number; note: string; asUser: boolean }
  | { op: 'crmLeave'; pick: number; archive: boolean }
  | { op: 'crmReturn'; pick: number }
  | { op: 'remoteCreate'; name: string; importable: boolean }
  | { op: 'remoteEdit'; pick: number; note: string }
  | { op: 'remoteDelete'; pick: number }
  | { op: 'churn'; pick: number }
  | { op: 'forgetTokens' }
  | { op: 'sync'; faults: Fault[]; maxBatches: number; trigger: 'auto' | 'manual'; confirm: boolean };

const pick = fc.nat(40);
const name = fc.constantFrom('Ada', 'Bo', 'Cy', 'Di', 'Ed');
const note = fc.constantFrom('', 'n1', 'n2', 'n3', 'n4');
const fault: fc.Arbitrary<Fault> = fc.record({
  at: fc.nat(12),
  kind: fc.constantFrom<FaultKind>('transient', 'rejected-item', 'precondition', 'crash'),
  op: fc.constantFrom<Fault['op']>('any', 'create', 'update', 'delete', 'fetch', 'changes'),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('crmCreate' as const), name }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('crmEdit' as const), pick, note, asUser: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('crmLeave' as const), pick, archive: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('crmReturn' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('remoteCreate' as const), name, importable: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('remoteEdit' as const), pick, note }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('remoteDelete' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('churn' as const), pick }), weight: 2 },
  { arbitrary: fc.constant({ op: 'forgetTokens' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('sync' as const), faults: fc.array(fault, { maxLength: 2 }), maxBatches: fc.integer({ min: 1, max: 4 }),
      trigger: fc.constantFrom<'auto' | 'manual'>('auto', 'manual'), confirm: fc.boolean(),
    }),
    weight: 4,
  },
);

function nth<T>(xs: readonly T[], i: number): T | undefined {
  return xs.length === 0 ? undefined : xs[i % xs.length];
}

const emptyContact = {
  kind: 'person' as const, prefix: '', givenName: '', middleName: '', familyName: '', suffix: '', nickname: '', organization: '',
  department: '', jobTitle: '', profession: '', gender: null, birthday: null, addresses: [], phones: [], emails: [], websites: [],
  note: '', photo: null, tags: [] as string[], category: null,
};
const START = Date.UTC(2026, 11, 3, 9); // after the test clock: inside the S2 window
const timing = { allDay: false as const, start: START, end: START + 3_600_000, timeZone: 'Europe/Berlin' };
const emptyEvent = { title: '', note: '', location: '', timing, recurrence: null, overrides: [], status: 'confirmed' as const, private: false, attendees: [], reminders: [] };
const emptyTask = { title: '', note: '', start: null, due: null, priority: 0, status: 'needs-action' as const, percentComplete: 0, completedAt: null };

describe('the real engine under random changes and faults (model-based, fast-check)', () => {
  let t: TestCrm;
  const keyring = createKeyring(randomBytes(32));
  let n = 0;

  beforeAll(async () => { t = await createTestCrm('sqlite'); });
  afterAll(async () => t?.drop());

  const rowCount = async (table: 'contacts' | 'appointments' | 'tasks') =>
    Number((await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('converges, never hard-deletes, never duplicates, and a further run changes nothing', { timeout: 600_000 }, async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom<Unit>('contacts', 'calendar', 'tasks'), fc.array(opArb, { minLength: 3, maxLength: 14 }), async (unit, ops) => {
      const k = ++n;
      const user = await createUser(t.ctx, { username: `p${k}` });
      const author: Author = userAuthor(user.id, user.username);
      const account = new MemoryAccount({ [COL]: [unit] });
      const deps: EngineDeps = { ctx: t.ctx, keyring, connectorFactory: () => account.connector() };
      await addTarget(t.ctx, keyring, { userId: user.id, url: `https://dav${k}.example.com/`, username: 'u', password: 'pw', collections: { [unit]: COL } }, deps.connectorFactory);
      const channelId = (await listChannels(t.ctx, { userId: user.id }))[0]!.id;
      await updateChannel(t.ctx, channelId, { batchSize: 3 }); // L1: several batches per run
      const mine: Id[] = []; // CRM records this run created (any may have left the set)
      let remoteSeq = 0;
      // Names repeat across the sides (M1 matches them at the first run) but not within a side:
      // two CRM records and two remote items of one name are an ambiguous match, which M1 reports
      // and leaves for a human, by design (plan.ts step 1).
      const used = { crm: new Map<string, number>(), remote: new Map<string, number>() };
      const unique = (side: 'crm' | 'remote', base: string) => {
        const k2 = (used[side].get(base) ?? 0) + 1;
        used[side].set(base, k2);
        return k2 === 1 ? base : `${base}${k2}`;
      };
      const table = unit === 'contacts' ? 'contacts' : unit === 'calendar' ? 'appointments' : 'tasks';
      const store = unit === 'contacts' ? contacts : unit === 'calendar' ? appointments : tasks;
      let floor = await rowCount(table);

      const remoteItems = () => [...account.col(COL).items.values()];
      const crmEdit = async (id: Id, text: string, who: Author) => {
        await store.update(t.ctx, id, { note: text }, who);
      };
      const withNote = (item: MemoryItem, text: string): MemoryItem => ({ ...item, payload: { ...item.payload, record: { ...item.payload.record, note: text } } as UnitPayload });

      const sync = async (faults: Fault[], maxBatches: number, trigger: 'auto' | 'manual', confirm: boolean) => {
        let calls = 0;
        account.fault = (op) => {
          for (const f of faults) {
            if (f.op !== 'any' && f.op !== op) continue;
            if (calls++ !== f.at) continue;
            if (f.kind === 'crash') throw new Error('simulated crash'); // not a RemoteError: the batch dies where it stands
            throw new RemoteError(f.kind, `injected ${f.kind} on ${op}`, f.kind === 'transient' ? 30 : null, f.kind === 'transient' ? 503 : f.kind === 'precondition' ? 412 : 400);
          }
        };
        try {
          // Cut off after `maxBatches` (a crash between batches): the channel stays 'continuing'.
          for (let b = 0; b < maxBatches; b++) {
            const out = await runBatch({ ...deps, owner: `p${k}` }, channelId, trigger, { confirmMassDeletion: confirm });
            if (out.kind !== 'continue') break;
          }
        } finally {
          account.fault = null;
        }
        // X5: sync never makes the CRM lose a record.
        const count = await rowCount(table);
        expect(count).toBeGreaterThanOrEqual(floor);
        floor = count;
      };

      for (const o of ops) {
        switch (o.op) {
          case 'crmCreate': {
            const rec = unit === 'contacts'
              ? await createContact(t.ctx, { givenName: unique('crm', o.name) }, SYSTEM, [user.id])
              : unit === 'calendar'
                ? await appointments.create(t.ctx, { title: unique('crm', o.name), timing, attendees: [{ kind: 'user', userId: user.id }] }, SYSTEM)
                : await tasks.create(t.ctx, { title: unique('crm', o.name), responsibleUserIds: [user.id] }, SYSTEM);
            mine.push(rec.id);
            break;
          }
          case 'crmEdit': { const id = nth(mine, o.pick); if (id) await crmEdit(id, o.note, o.asUser ? author : SYSTEM); break; }
          case 'crmLeave': {
            const id = nth(mine, o.pick);
            if (!id) break;
            if (unit === 'tasks') await tasks.update(t.ctx, id, { responsibleUserIds: [] }, author);
            else if (unit === 'calendar') await appointments.update(t.ctx, id, { status: 'cancelled' }, author);
            else if (o.archive) await contacts.update(t.ctx, id, { archived: true }, author);
            else await setTick(t.ctx, id, user.id, false, author);
            break;
          }
          case 'crmReturn': {
            const id = nth(mine, o.pick);
            if (!id) break;
            if (unit === 'tasks') await tasks.update(t.ctx, id, { responsibleUserIds: [user.id], status: 'needs-action' }, author);
            else if (unit === 'calendar') await appointments.update(t.ctx, id, { status: 'confirmed' }, author);
            else { await contacts.update(t.ctx, id, { archived: false }, author); await setTick(t.ctx, id, user.id, true, author); }
            break;
          }
          case 'remoteCreate': {
            const ref = `${COL}phone-${++remoteSeq}.${unit === 'contacts' ? 'vcf' : 'ics'}`;
            const payload: UnitPayload = unit === 'contacts'
              ? { unit, record: { ...emptyContact, givenName: unique('remote', o.name), tags: o.importable ? ['Kunde'] : ['Friends'] } }
              : unit === 'calendar'
                ? { unit, record: { ...emptyEvent, title: unique('remote', o.name) } }
                : { unit: 'tasks', record: { ...emptyTask, title: unique('remote', o.name) } };
            account.put(COL, { ref, uid: `uid-${k}-${remoteSeq}`, crmId: null, payload, extras: ['X-PHONE:1'] });
            break;
          }
          case 'remoteEdit': { const it = nth(remoteItems(), o.pick); if (it) account.put(COL, withNote(it, o.note)); break; }
          case 'remoteDelete': { const it = nth(remoteItems(), o.pick); if (it) account.remove(COL, it.ref); break; }
          case 'churn': { const it = nth(remoteItems(), o.pick); if (it) account.churn(COL, it.ref); break; }
          case 'forgetTokens': account.forgetTokens(COL); break;
          case 'sync': await sync(o.faults, o.maxBatches, o.trigger, o.confirm); break;
        }
      }

      // Fault-free runs to the end (manual: resumes a suspended or paused channel, L3/X6).
      for (let i = 0; i < 2; i++) {
        const out = await runToEnd(deps, channelId, 'manual', { confirmMassDeletion: true });
        expect(out.kind, JSON.stringify(out)).toBe('done');
      }
      expect(await rowCount(table)).toBeGreaterThanOrEqual(floor);

      if (process.env.ENGINE_PROPERTY_DEBUG) {
        const ev = await t.ctx.db.selectFrom('sync_events').selectAll().where('channel_id', '=', channelId).orderBy('id').execute();
        console.log(ev.map((e) => `${e.run_id} ${e.crm_id?.slice(0, 8) ?? '-'} ${e.remote_href ?? '-'} ${e.action} ${e.result} ${e.message}`).join('\n'));
        const j = await listJournal(t.ctx, { limit: 200 });
        console.log(j.reverse().filter((e) => e.recordKind !== 'tick').map((e) => `${e.author.kind} ${e.action} ${e.recordId.slice(0, 8)} ${JSON.stringify((e.after as { status?: string; title?: string } | null)?.status)} ${JSON.stringify((e.after as { title?: string } | null)?.title)}`).join('\n'));
      }
      // Convergence: the set ↔ links ↔ remote copies, one each, same content.
      const inSet = unit === 'contacts'
        ? (await t.ctx.db.selectFrom('contact_ticks').innerJoin('contacts', 'contacts.id', 'contact_ticks.contact_id')
          .select('contacts.id').where('contact_ticks.user_id', '=', user.id).where('contacts.archived', '=', 0).execute()).map((r) => r.id)
        : unit === 'calendar'
          ? (await t.ctx.db.selectFrom('appointment_participants').innerJoin('appointments', 'appointments.id', 'appointment_participants.appointment_id')
            .select('appointments.id').where('appointment_participants.kind', '=', 'user').where('appointment_participants.ref_id', '=', user.id)
            .where('appointments.status', '!=', 'cancelled').execute()).map((r) => r.id)
          : (await t.ctx.db.selectFrom('task_responsibles').select('task_id').where('user_id', '=', user.id).execute()).map((r) => r.task_id);
      const links = await allLinks(t.ctx, channelId);
      expect(links.map((l) => l.crmId).sort()).toEqual([...inSet].sort());
      expect(new Set(links.map((l) => l.remoteHref)).size).toBe(links.length);
      const items = remoteItems();
      const carried = items.flatMap((i) => (i.crmId ? [i.crmId] : []));
      expect(carried.length, 'one remote copy per CRM id (M2)').toBe(new Set(carried).size);
      for (const link of links) {
        const item = account.col(COL).items.get(link.remoteHref);
        expect(item, `copy of ${link.crmId}`).toBeDefined();
        expect(item!.crmId).toBe(link.crmId);
        const crmSide = project(unit, await store.get(t.ctx, link.crmId));
        const remoteSide = projectPayload(item!.payload);
        if (unit === 'contacts' && !mine.includes(link.crmId) && remoteSide.category === null) {
          // I1: the category is the CRM's reading of the device's own words ("Kunde"); the copy
          // keeps those words until the CRM next writes it (then CATEGORIES holds both).
          expect(crmSide.category).toBe('customer');
          expect({ ...remoteSide, category: 'customer' }).toEqual(crmSide);
        } else expect(remoteSide).toEqual(crmSide);
      }
      // Items not linked are the target's own that I1 refuses (contacts without a customer word).
      const linkedHrefs = new Set(links.map((l) => l.remoteHref));
      for (const item of items.filter((i) => !linkedHrefs.has(i.ref))) {
        expect(unit).toBe('contacts');
        expect(item.crmId).toBeNull();
        expect((item.payload.record as { tags: string[] }).tags).toEqual(['Friends']);
      }
      // X5: nothing a target authored is a hard delete.
      const byTarget = await listJournal(t.ctx, { authorKinds: ['target'], limit: 100_000 });
      expect(byTarget.filter((e) => e.action === 'delete')).toEqual([]);

      // A further run plans and changes nothing.
      const versions = items.map((i) => `${i.ref} ${i.version}`);
      const lastJournal = (await listJournal(t.ctx, { limit: 1 }))[0]?.id;
      const again = await runToEnd(deps, channelId, 'manual');
      expect(again).toMatchObject({ kind: 'done', counts: { created: 0, updated: 0, deleted: 0, conflicts: 0 } });
      expect(remoteItems().map((i) => `${i.ref} ${i.version}`)).toEqual(versions);
      expect((await listJournal(t.ctx, { limit: 1 }))[0]?.id).toBe(lastJournal);
    }), { numRuns: RUNS, endOnFailure: true, ...(process.env.ENGINE_PROPERTY_SEED ? { seed: Number(process.env.ENGINE_PROPERTY_SEED), path: process.env.ENGINE_PROPERTY_PATH } : {}) });
  });
});
