// The sync engine end to end on SQLite and PostgreSQL, against an in-memory account behind the
// Connector interface (fault injection is exact there; real servers are in caldavEngine tests).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCrm, dialects, type TestCrm } from '../helpers/databases.js';
import { createUser } from '../../src/crm/users.js';
import { contacts, createContact, setTick, tickedUserIds } from '../../src/crm/contacts.js';
import { appointments } from '../../src/crm/appointments.js';
import { tasks } from '../../src/crm/tasks.js';
import { listJournal } from '../../src/crm/journal.js';
import { SYSTEM } from '../../src/domain/authors.js';
import { createKeyring } from '../../src/security/keyring.js';
import { MemoryAccount } from '../../src/connectors/memory/index.js';
import { RemoteError, type UnitPayload } from '../../src/connectors/types.js';
import { addTarget, listTargets, resetTarget } from '../../src/sync/engine/targets.js';
import { getChannel, listChannels, MAX_CONSECUTIVE_FAILURES, updateChannel } from '../../src/sync/engine/channels.js';
import { runBatch, runToEnd, type EngineDeps } from '../../src/sync/engine/run.js';
import { itemHistory, listRuns } from '../../src/sync/engine/history.js';
import { countLinks } from '../../src/sync/engine/links.js';
import { randomBytes } from 'node:crypto';
import type { Unit, User } from '../../src/domain/records.js';

const DIALECTS = await dialects();
const BOOK = '/dav/alice/contacts/';
const CAL = '/dav/alice/calendar/';
const TODO = '/dav/alice/tasks/';

describe.each(DIALECTS)('sync engine on %s', (dialect) => {
  let t: TestCrm;
  let alice: User;
  let account: MemoryAccount;
  let deps: EngineDeps;
  let channelOf: (unit: Unit) => Promise<string>;

  beforeEach(async () => {
    t = await createTestCrm(dialect);
    alice = await createUser(t.ctx, { username: 'alice', password: 'correct horse' });
    account = new MemoryAccount({ [BOOK]: ['contacts'], [CAL]: ['calendar'], [TODO]: ['tasks'] });
    const keyring = createKeyring(randomBytes(32));
    deps = { ctx: t.ctx, keyring, connectorFactory: () => account.connector() };
    await addTarget(t.ctx, keyring, { userId: alice.id, url: 'https://dav.example.com/', username: 'alice', password: 'pw' }, deps.connectorFactory);
    channelOf = async (unit) => (await listChannels(t.ctx, { userId: alice.id })).find((c) => c.unit === unit)!.id;
  });
  afterEach(async () => t.drop());

  const remoteContacts = () => [...account.col(BOOK).items.values()];
  const contactPayload = (givenName: string, tags: string[] = []): UnitPayload => ({
    unit: 'contacts',
    record: { ...(contactsFields()), givenName, tags },
  });
  function contactsFields() {
    return {
      kind: 'person' as const, prefix: '', givenName: '', middleName: '', familyName: '', suffix: '', nickname: '', organization: '',
      department: '', jobTitle: '', profession: '', gender: null, birthday: null, addresses: [], phones: [], emails: [], websites: [],
      note: '', photo: null, tags: [], category: null,
    };
  }

  it('pushes ticked contacts, then a second run changes nothing', async () => {
    await createContact(t.ctx, { givenName: 'Anna' }, SYSTEM, [alice.id]);
    await createContact(t.ctx, { givenName: 'Berta' }, SYSTEM, [alice.id]);
    await createContact(t.ctx, { givenName: 'Not ticked' }, SYSTEM);
    const id = await channelOf('contacts');
    const first = await runToEnd(deps, id, 'manual');
    expect(first).toMatchObject({ kind: 'done', status: 'completed', counts: { created: 2 } });
    expect(remoteContacts().map((i) => (i.payload.record as { givenName: string }).givenName).sort()).toEqual(['Anna', 'Berta']);
    const versions = remoteContacts().map((i) => i.version);
    const second = await runToEnd(deps, id, 'manual');
    expect(second).toMatchObject({ kind: 'done', counts: { created: 0, updated: 0, deleted: 0 } });
    expect(remoteContacts().map((i) => i.version)).toEqual(versions);
  });

  it('L1: works in batches of N and continues by itself until done, with progress', async () => {
    for (let i = 0; i < 12; i++) await createContact(t.ctx, { givenName: `P${i}` }, SYSTEM, [alice.id]);
    const id = await channelOf('contacts');
    await updateChannel(t.ctx, id, { batchSize: 5 });
    const progress: number[] = [];
    const out = await runToEnd(deps, id, 'manual', { onProgress: (p) => progress.push(p.done) });
    expect(out.kind).toBe('done');
    expect(progress).toEqual([5, 10]);
    expect(remoteContacts()).toHaveLength(12);
    expect((await getChannel(t.ctx, id)).progress).toEqual({ done: 12, total: 12 });
    expect(await listRuns(t.ctx, id)).toHaveLength(1);
  });

  it('L1: a run stopped between batches goes on from its checkpoint: changes made meanwhile on either side arrive, nothing twice', async () => {
    const made = [];
    for (let i = 0; i < 12; i++) made.push(await createContact(t.ctx, { givenName: `P${i}` }, SYSTEM, [alice.id]));
    const id = await channelOf('contacts');
    await updateChannel(t.ctx, id, { batchSize: 5 });
    expect((await runBatch({ ...deps, owner: 'first' }, id, 'manual')).kind).toBe('continue');
    expect((await getChannel(t.ctx, id)).runCheckpoint).toMatchObject({ initial: true, takenAbove: false });
    const copied = new Set(remoteContacts().map((i) => i.crmId));
    expect(copied.size).toBe(5);
    const [crmEdited, phoneEdited] = made.filter((c) => copied.has(c.id));
    const [leaving] = made.filter((c) => !copied.has(c.id));
    await contacts.update(t.ctx, crmEdited!.id, { note: 'edited meanwhile' }, SYSTEM);
    const item = remoteContacts().find((i) => i.crmId === phoneEdited!.id)!;
    account.put(BOOK, { ...item, payload: { unit: 'contacts', record: { ...item.payload.record, note: 'phone note' } as never } });
    await setTick(t.ctx, leaving!.id, alice.id, false, SYSTEM);
    const late = await createContact(t.ctx, { givenName: 'Late' }, SYSTEM, [alice.id]);

    expect((await runToEnd({ ...deps, owner: 'second' }, id, 'manual')).kind).toBe('done');
    const byCrm = new Map(remoteContacts().map((i) => [i.crmId, i]));
    expect(remoteContacts()).toHaveLength(12); // 12 - the one that left + the late one
    expect(byCrm.size).toBe(12);
    expect(byCrm.has(leaving!.id)).toBe(false);
    expect(byCrm.has(late.id)).toBe(true);
    expect((byCrm.get(crmEdited!.id)!.payload.record as { note: string }).note).toBe('edited meanwhile');
    expect((await contacts.get(t.ctx, phoneEdited!.id)).note).toBe('phone note');
    expect(await countLinks(t.ctx, id)).toBe(12);
    expect((await getChannel(t.ctx, id)).runCheckpoint).toBeNull();
    const versions = remoteContacts().map((i) => i.version);
    expect(await runToEnd(deps, id, 'manual')).toMatchObject({ kind: 'done', counts: { created: 0, updated: 0, deleted: 0 } });
    expect(remoteContacts().map((i) => i.version)).toEqual(versions);
  });

  it('L1: a batch that died after its remote writes but before its links (kill -9) is resumed from the checkpoint without duplicates', async () => {
    const made = [];
    for (let i = 0; i < 12; i++) made.push(await createContact(t.ctx, { givenName: `K${i}` }, SYSTEM, [alice.id]));
    const id = await channelOf('contacts');
    await updateChannel(t.ctx, id, { batchSize: 5 });
    expect((await runBatch({ ...deps, owner: 'killed' }, id, 'manual')).kind).toBe('continue');
    expect((await getChannel(t.ctx, id)).runCheckpoint).toMatchObject({ initial: true });
    // The next batch wrote two copies (at the engine's deterministic hrefs, M2), then the process
    // died: no link, no history, the channel still 'continuing' at the first batch's checkpoint.
    const copied = new Set(remoteContacts().map((i) => i.crmId));
    const orphans = made.filter((c) => !copied.has(c.id)).slice(0, 2);
    const connector = account.connector();
    for (const c of orphans) {
      await connector.create(BOOK, c.id, c.uid, c.id, { unit: 'contacts', record: await contacts.get(t.ctx, c.id) } as UnitPayload);
    }
    expect((await getChannel(t.ctx, id)).status).toBe('continuing');

    expect((await runToEnd({ ...deps, owner: 'next' }, id, 'manual')).kind).toBe('done');
    expect(remoteContacts()).toHaveLength(12);
    expect(new Set(remoteContacts().map((i) => i.crmId)).size).toBe(12);
    expect(await countLinks(t.ctx, id)).toBe(12);
    expect(await runToEnd(deps, id, 'manual')).toMatchObject({ kind: 'done', counts: { created: 0, updated: 0, deleted: 0 } });
  });

  it('two-way: a change on the target reaches the CRM field by field, journaled with the target as author (X5)', async () => {
    const c = await createContact(t.ctx, { givenName: 'Carla', note: 'crm note' }, SYSTEM, [alice.id]);
    const id = await channelOf('contacts');
    await runToEnd(deps, id, 'manual');
    const item = remoteContacts()[0]!;
    account.put(BOOK, { ...item, payload: { unit: 'contacts', record: { ...item.payload.record, note: 'phone note' } as never } });
    await runToEnd(deps, id, 'manual');
    expect((await contacts.get(t.ctx, c.id)).note).toBe('phone note');
    const [entry] = await listJournal(t.ctx, { recordKind: 'contact', recordId: c.id, limit: 1 });
    expect(entry!.author.kind).toBe('target');
    expect((await itemHistory(t.ctx, c.id))[0]).toMatchObject({ direction: 'to-crm', result: 'ok' });
  });

  it('ETag churn is no change: nothing is written either way', async () => {
    await createContact(t.ctx, { givenName: 'Dora' }, SYSTEM, [alice.id]);
    const id = await channelOf('contacts');
    await runToEnd(deps, id, 'manual');
    account.churn(BOOK, remoteContacts()[0]!.ref);
    const before = await listJournal(t.ctx, { limit: 100 });
    const out = await runToEnd(deps, id, 'manual');
    expect(out).toMatchObject({ counts: { updated: 0, created: 0 } });
    expect(await listJournal(t.ctx, { limit: 100 })).toEqual(before);
  });

  it('X1: a contact deleted on the target loses the user tick in the CRM, never the record (X5)', async () => {
    const c = await createContact(t.ctx, { givenName: 'Emil' }, SYSTEM, [alice.id]);
    for (let i = 0; i < 5; i++) await createContact(t.ctx, { givenName: `Filler${i}` }, SYSTEM, [alice.id]);
    const id = await channelOf('contacts');
    await runToEnd(deps, id, 'manual');
    const copy = remoteContacts().find((i) => i.crmId === c.id)!;
    account.remove(BOOK, copy.ref);
    await runToEnd(deps, id, 'manual');
    expect(await tickedUserIds(t.ctx, c.id)).toEqual([]);
    expect(await contacts.find(t.ctx, c.id)).not.toBeNull();
  });

  it('X4: unticking in the CRM deletes the copy on the target', async () => {
    const c = await createContact(t.ctx, { givenName: 'Frida' }, SYSTEM, [alice.id]);
    const id = await channelOf('contacts');
    await runToEnd(deps, id, 'manual');
    await setTick(t.ctx, c.id, alice.id, false, SYSTEM);
    await runToEnd(deps, id, 'manual');
    expect(remoteContacts()).toEqual([]);
  });

  it('I1: a contact created on the target enters the CRM only with a customer or prospect category', async () => {
    const id = await channelOf('contacts');
    account.put(BOOK, { ref: `${BOOK}a.vcf`, uid: 'ua', crmId: null, payload: contactPayload('Gino', ['Kunde']), extras: [] });
    account.put(BOOK, { ref: `${BOOK}b.vcf`, uid: 'ub', crmId: null, payload: contactPayload('Private friend', ['Friends']), extras: [] });
    const out = await runToEnd(deps, id, 'manual');
    expect(out).toMatchObject({ kind: 'done', status: 'completed-with-warnings' });
    const gino = await contacts.findBy(t.ctx, { uid: 'ua' });
    expect(gino).toMatchObject({ givenName: 'Gino', category: 'customer' });
    expect(await tickedUserIds(t.ctx, gino!.id)).toEqual([alice.id]);
    expect(await contacts.findBy(t.ctx, { uid: 'ub' })).toBeNull();
    expect(account.col(BOOK).items.get(`${BOOK}a.vcf`)!.crmId).toBe(gino!.id); // M1: our id written into it
  });

  it('one-way (D3): a change on the target is overwritten and a deleted item is put back', async () => {
    await createContact(t.ctx, { givenName: 'Hanna' }, SYSTEM, [alice.id]);
    const id = await channelOf('contacts');
    await updateChannel(t.ctx, id, { mode: 'one-way' });
    await runToEnd(deps, id, 'manual');
    const item = remoteContacts()[0]!;
    account.put(BOOK, { ...item, payload: { unit: 'contacts', record: { ...item.payload.record, givenName: 'Hacked' } as never } });
    await runToEnd(deps, id, 'manual');
    expect((remoteContacts()[0]!.payload.record as { givenName: string }).givenName).toBe('Hanna');
    account.remove(BOOK, remoteContacts()[0]!.ref);
    await runToEnd(deps, id, 'manual');
    expect(remoteContacts()).toHaveLength(1);
  });

  it('C1 default merge: fields changed on different sides both survive', async () => {
    const c = await createContact(t.ctx, { givenName: 'Ida', note: 'n0', jobTitle: 'j0' }, SYSTEM, [alice.id]);
    const id = await channelOf('contacts');
    await runToEnd(deps, id, 'manual');
    await contacts.update(t.ctx, c.id, { note: 'crm' }, SYSTEM);
    const item = remoteContacts()[0]!;
    account.put(BOOK, { ...item, payload: { unit: 'contacts', record: { ...item.payload.record, jobTitle: 'remote' } as never } });
    await runToEnd(deps, id, 'manual');
    expect(await contacts.get(t.ctx, c.id)).toMatchObject({ note: 'crm', jobTitle: 'remote' });
    expect(remoteContacts()[0]!.payload.record).toMatchObject({ note: 'crm', jobTitle: 'remote' });
  });

  it('X2: an appointment deleted on the target is cancelled in the CRM when the user was alone on it', async () => {
    const start = t.clock.now + 86_400_000;
    const a = await appointments.create(t.ctx, { title: 'Viewing', timing: { allDay: false, start, end: start + 3_600_000, timeZone: 'Europe/Berlin' }, attendees: [{ kind: 'user', userId: alice.id }] }, SYSTEM);
    for (let i = 0; i < 5; i++) await appointments.create(t.ctx, { title: `Other ${i}`, timing: { allDay: false, start, end: start + 60_000, timeZone: 'UTC' }, attendees: [{ kind: 'user', userId: alice.id }] }, SYSTEM);
    const id = await channelOf('calendar');
    await runToEnd(deps, id, 'manual');
    const copy = [...account.col(CAL).items.values()].find((i) => i.crmId === a.id)!;
    account.remove(CAL, copy.ref);
    await runToEnd(deps, id, 'manual');
    expect((await appointments.get(t.ctx, a.id)).status).toBe('cancelled');
  });

  it('X3/I3: tasks travel; a task created on the target enters with the user responsible', async () => {
    await tasks.create(t.ctx, { title: 'Call the notary', responsibleUserIds: [alice.id] }, SYSTEM);
    const id = await channelOf('tasks');
    account.put(TODO, { ref: `${TODO}new.ics`, uid: 'task-from-phone', crmId: null, extras: [], payload: { unit: 'tasks', record: { title: 'Buy keys', note: '', start: null, due: null, priority: 0, status: 'needs-action', percentComplete: 0, completedAt: null } } });
    await runToEnd(deps, id, 'manual');
    expect(account.col(TODO).items.size).toBe(2);
    expect(await tasks.findBy(t.ctx, { uid: 'task-from-phone' })).toMatchObject({ title: 'Buy keys', responsibleUserIds: [alice.id] });
  });

  it('X6: a run that would delete many items pauses and asks; confirming goes ahead', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await createContact(t.ctx, { givenName: `M${i}` }, SYSTEM, [alice.id])).id);
    const id = await channelOf('contacts');
    await runToEnd(deps, id, 'manual');
    for (const cid of ids.slice(0, 20)) await setTick(t.ctx, cid, alice.id, false, SYSTEM);
    const paused = await runToEnd(deps, id, 'manual');
    expect(paused.kind).toBe('paused');
    expect(remoteContacts()).toHaveLength(30);
    expect((await runBatch(deps, id, 'auto')).kind).toBe('skipped');
    const confirmed = await runToEnd(deps, id, 'manual', { confirmMassDeletion: true });
    expect(confirmed.kind).toBe('done');
    expect(remoteContacts()).toHaveLength(10);
  });

  it('L3/L4: 5 failed automatic runs in a row suspend the channel; a manual sync resumes it', async () => {
    await createContact(t.ctx, { givenName: 'Jo' }, SYSTEM, [alice.id]);
    const id = await channelOf('contacts');
    account.fault = () => { throw new RemoteError('transient', 'service unavailable', 7, 503); };
    let last;
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++) last = await runBatch(deps, id, 'auto');
    expect(last).toMatchObject({ kind: 'failed', suspended: true });
    expect((await getChannel(t.ctx, id)).status).toBe('suspended');
    expect((await runBatch(deps, id, 'auto')).kind).toBe('skipped');
    const runs = await listRuns(t.ctx, id);
    expect(runs[0]).toMatchObject({ status: 'failed', error: 'service unavailable' });
    account.fault = null;
    expect(await runToEnd(deps, id, 'manual')).toMatchObject({ kind: 'done' });
    expect((await getChannel(t.ctx, id))).toMatchObject({ status: 'idle', consecutiveFailures: 0 });
  });

  it('L4: Retry-After is honoured when scheduling the retry', async () => {
    const id = await channelOf('contacts');
    account.fault = () => { throw new RemoteError('transient', 'slow down', 3600, 429); };
    const out = await runBatch(deps, id, 'auto');
    expect(out.kind === 'failed' && out.retryAt).toBeGreaterThanOrEqual(t.clock.now + 3_600_000);
  });

  it('L4: rejected credentials stop the channel with "sign in again"', async () => {
    const id = await channelOf('contacts');
    account.fault = () => { throw new RemoteError('auth', 'unauthorized', null, 401); };
    expect(await runBatch(deps, id, 'auto')).toMatchObject({ kind: 'failed', auth: true });
    expect(await getChannel(t.ctx, id)).toMatchObject({ status: 'auth-failed', statusReason: expect.stringMatching(/sign in again/) });
    expect((await listTargets(t.ctx, alice.id))[0]!.status).toBe('auth-failed');
  });

  it('L5: one item the target rejects is skipped with its reason; the rest sync and the run ends with warnings', async () => {
    const bad = await createContact(t.ctx, { givenName: 'Bad', emails: [{ type: 'business', value: 'x@y' }] }, SYSTEM, [alice.id]);
    await createContact(t.ctx, { givenName: 'Good' }, SYSTEM, [alice.id]);
    const id = await channelOf('contacts');
    account.fault = (op, ref) => { if (op === 'create' && ref?.includes(bad.id)) throw new RemoteError('rejected-item', 'invalid e-mail address', null, 400); };
    const out = await runToEnd(deps, id, 'manual');
    expect(out).toMatchObject({ kind: 'done', status: 'completed-with-warnings', counts: { created: 1, skipped: 1 } });
    expect((await itemHistory(t.ctx, bad.id))[0]).toMatchObject({ result: 'failed', message: expect.stringMatching(/invalid e-mail/) });
  });

  it('M2/H3: after a reset the next run relinks the existing copies instead of duplicating them', async () => {
    for (let i = 0; i < 4; i++) await createContact(t.ctx, { givenName: `R${i}`, emails: [{ type: 'private', value: `r${i}@example.com` }] }, SYSTEM, [alice.id]);
    const id = await channelOf('contacts');
    await runToEnd(deps, id, 'manual');
    const target = (await listTargets(t.ctx, alice.id))[0]!;
    await resetTarget(t.ctx, target.id);
    expect(await countLinks(t.ctx, id)).toBe(0);
    await runToEnd(deps, id, 'manual');
    expect(remoteContacts()).toHaveLength(4);
    expect(await countLinks(t.ctx, id)).toBe(4);
  });

  it('a forgotten sync token leads to a fresh listing, not to deletions or duplicates', async () => {
    for (let i = 0; i < 3; i++) await createContact(t.ctx, { givenName: `T${i}` }, SYSTEM, [alice.id]);
    const id = await channelOf('contacts');
    await runToEnd(deps, id, 'manual');
    account.forgetTokens(BOOK);
    const out = await runToEnd(deps, id, 'manual');
    expect(out).toMatchObject({ kind: 'done', counts: { created: 0, deleted: 0 } });
    expect(remoteContacts()).toHaveLength(3);
  });
});
