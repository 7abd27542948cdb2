// Kept prepared statements on SQLite (src/store/native.ts) behind repository reads that also run on
// PostgreSQL: the same answers on both databases, and on SQLite never a read inside someone
// else's open transaction.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCrm, dialects, type TestCrm } from '../helpers/databases.js';
import { inTransaction } from '../../src/crm/context.js';
import { contacts, createContact } from '../../src/crm/contacts.js';
import { SYSTEM } from '../../src/domain/authors.js';
import { withSqliteStatement } from '../../src/store/native.js';
import { withBulkCheckpoints } from '../../src/store/checkpoints.js';
import { nativeSqliteOf } from '../../src/store/db.js';

const DIALECTS = await dialects();

describe.each(DIALECTS)('kept statements and bulk checkpoints on %s', (dialect) => {
  let t: TestCrm;
  beforeEach(async () => { t = await createTestCrm(dialect); });
  afterEach(async () => t.drop());

  it('getMany reads any number of ids, repeated and unknown ones included, inside and outside a transaction', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 620; i++) ids.push((await createContact(t.ctx, { givenName: `P${i}`, familyName: 'Many' }, SYSTEM)).id);
    const wanted = [...ids, ids[0]!, ids[619]!, 'no-such-id', "it's \"quoted\""];
    const got = await contacts.getMany(t.ctx, wanted);
    expect(got.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(got.find((c) => c.id === ids[7])).toEqual(await contacts.get(t.ctx, ids[7]!));
    expect(await contacts.getMany(t.ctx, [])).toEqual([]);
    const inTx = await inTransaction(t.ctx, async (tx) => {
      const extra = await createContact(tx, { givenName: 'Only', familyName: 'Inside' }, SYSTEM);
      return (await contacts.getMany(tx, [extra.id, ids[1]!])).map((c) => c.id).sort();
    });
    expect(inTx).toHaveLength(2);
  });

  it('a read outside a transaction waits for an open one instead of seeing its uncommitted rows', async () => {
    if (dialect !== 'sqlite') {
      expect(await withSqliteStatement(t.ctx.db, 'select 1', () => 1)).toBeNull();
      return;
    }
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let created = '';
    const tx = inTransaction(t.ctx, async (inner) => {
      created = (await createContact(inner, { givenName: 'Not', familyName: 'Yet' }, SYSTEM)).id;
      await held;
      throw new Error('rolled back');
    }).catch(() => 'rolled back');
    while (created === '') await new Promise((r) => setTimeout(r, 1));
    const read = contacts.getMany(t.ctx, [created]);
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect(await tx).toBe('rolled back');
    expect(await read).toEqual([]);
  });

  it('withBulkCheckpoints raises the WAL checkpoint interval while any bulk writer runs, then restores it', async () => {
    const handle = nativeSqliteOf(t.ctx.db);
    const setting = () => Number(handle!.pragma('wal_autocheckpoint', { simple: true }));
    if (!handle) {
      expect(await withBulkCheckpoints(t.ctx.db, async () => 'ran')).toBe('ran');
      return;
    }
    expect(setting()).toBe(1000);
    let inner!: () => void;
    const innerDone = new Promise<void>((r) => { inner = r; });
    const first = withBulkCheckpoints(t.ctx.db, async () => {
      expect(setting()).toBe(16_384);
      await innerDone;
      return setting();
    });
    const second = withBulkCheckpoints(t.ctx.db, async () => setting());
    expect(await second).toBe(16_384); // the first writer is still running
    inner();
    expect(await first).toBe(16_384);
    expect(setting()).toBe(1000);
    await expect(withBulkCheckpoints(t.ctx.db, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(setting()).toBe(1000);
  });
});
