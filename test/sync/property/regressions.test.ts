// Regression cases for engine bugs found while proving issue 4 (items 5/6), on SQLite against the
// in-memory account. Each names the rule it protects.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createTestCrm, type TestCrm } from '../../helpers/databases.js';
import { createUser } from '../../../src/crm/users.js';
import { contacts, createContact, setTick } from '../../../src/crm/contacts.js';
import { SYSTEM } from '../../../src/domain/authors.js';
import type { User } from '../../../src/domain/records.js';
import { createKeyring } from '../../../src/security/keyring.js';
import { MemoryAccount } from '../../../src/connectors/memory/index.js';
import { RemoteError, type UnitPayload } from '../../../src/connectors/types.js';
import { addTarget } from '../../../src/sync/engine/targets.js';
import { listChannels, updateChannel } from '../../../src/sync/engine/channels.js';
import { runToEnd, type EngineDeps } from '../../../src/sync/engine/run.js';
import { countLinks } from '../../../src/sync/engine/links.js';

const BOOK = '/dav/alice/contacts/';
const empty = {
  kind: 'person' as const, prefix: '', givenName: '', middleName: '', familyName: '', suffix: '', nickname: '', organization: '',
  department: '', jobTitle: '', profession: '', gender: null, birthday: null, addresses: [], phones: [], emails: [], websites: [],
  note: '', photo: null, tags: [] as string[], category: null,
};

describe('engine regressions', () => {
  let t: TestCrm;
  let alice: User;
  let account: MemoryAccount;
  let deps: EngineDeps;
  let channelId: string;

  beforeEach(async () => {
    t = await createTestCrm('sqlite');
    alice = await createUser(t.ctx, { username: 'alice' });
    account = new MemoryAccount({ [BOOK]: ['contacts'] });
    const keyring = createKeyring(randomBytes(32));
    deps = { ctx: t.ctx, keyring, connectorFactory: () => account.connector() };
    await addTarget(t.ctx, keyring, { userId: alice.id, url: 'https://dav.example.com/', username: 'alice', password: 'pw' }, deps.connectorFactory);
    channelId = (await listChannels(t.ctx, { userId: alice.id }))[0]!.id;
  });
  afterEach(async () => t.drop());

  it('M1 with L1: a first sync split into batches matches by e-mail in every batch, never duplicating', async () => {
    for (let i = 0; i < 8; i++) {
      await createContact(t.ctx, { givenName: `P${i}`, note: 'crm', emails: [{ type: 'business', value: `p${i}@example.com` }] }, SYSTEM, [alice.id]);
      // The phone's copy differs (its note), so each relink writes and counts against the batch.
      account.put(BOOK, { ref: `${BOOK}phone-${i}.vcf`, uid: `phone-${i}`, crmId: null, extras: [],
        payload: { unit: 'contacts', record: { ...empty, givenName: `P${i}`, note: 'phone', tags: ['Kunde'], emails: [{ type: 'business', value: `p${i}@example.com` }] } } as UnitPayload });
    }
    await updateChannel(t.ctx, channelId, { batchSize: 3 });
    expect(await runToEnd(deps, channelId, 'manual')).toMatchObject({ kind: 'done' });
    expect(account.col(BOOK).items.size).toBe(8);
    const n = await t.ctx.db.selectFrom('contacts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(8);
    expect(await countLinks(t.ctx, channelId)).toBe(8);
  });

  it('X6: the guard measures against the whole set, not the items one incremental run touches', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await createContact(t.ctx, { givenName: `S${i}` }, SYSTEM, [alice.id])).id);
    await runToEnd(deps, channelId, 'manual');
    // 8 of 60 is 13 %: under 20 % of the set, so no pause (threshold max(5, 12) = 12).
    for (const id of ids.slice(0, 8)) await setTick(t.ctx, id, alice.id, false, SYSTEM);
    expect(await runToEnd(deps, channelId, 'manual')).toMatchObject({ kind: 'done' });
    expect(account.col(BOOK).items.size).toBe(52);
    // 13 more of 52 is 25 %: paused.
    for (const id of ids.slice(8, 21)) await setTick(t.ctx, id, alice.id, false, SYSTEM);
    expect(await runToEnd(deps, channelId, 'manual')).toMatchObject({ kind: 'paused' });
  });

  it('L1/L5: new items the target rejects, more than a batch of them, are tried once per run and the run ends', async () => {
    for (let i = 0; i < 7; i++) await createContact(t.ctx, { givenName: `R${i}` }, SYSTEM, [alice.id]);
    await updateChannel(t.ctx, channelId, { batchSize: 2 });
    account.fault = (op) => { if (op === 'create') throw new RemoteError('rejected-item', 'no', null, 400); };
    const out = await runToEnd(deps, channelId, 'manual', { maxBatches: 50 });
    expect(out).toMatchObject({ kind: 'done', status: 'completed-with-warnings', counts: { skipped: 7 } });
    account.fault = null; // L5: retried at the next run
    expect(await runToEnd(deps, channelId, 'manual', { maxBatches: 50 })).toMatchObject({ kind: 'done', counts: { created: 7 } });
    expect(account.col(BOOK).items.size).toBe(7);
  });

  it('L1/I1: more target items than a batch that the import rule refuses are reported once and the run ends', async () => {
    for (let i = 0; i < 7; i++) {
      account.put(BOOK, { ref: `${BOOK}friend-${i}.vcf`, uid: `friend-${i}`, crmId: null, extras: [],
        payload: { unit: 'contacts', record: { ...empty, givenName: `Friend${i}`, tags: ['Friends'] } } as UnitPayload });
    }
    await updateChannel(t.ctx, channelId, { batchSize: 2 });
    const out = await runToEnd(deps, channelId, 'manual', { maxBatches: 50 });
    expect(out).toMatchObject({ kind: 'done', status: 'completed-with-warnings', counts: { skipped: 7, created: 0 } });
  });
});
