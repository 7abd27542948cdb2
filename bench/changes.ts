// Change-log query after one edit (issue 2 item 10): a user's contacts collection holds N items;
// one contact is edited; "what changed since the revision before the edit" is asked many times.
// Target: under 5 ms, and flat from 5,000 to 50,000 items (O(changes), not O(collection)).
import { SYSTEM } from '../src/domain/authors.js';
import { contacts, importContacts } from '../src/crm/contacts.js';
import { chunks } from '../src/crm/context.js';
import { draftContact } from '../src/crm/rows.js';
import { changesSince, findCollection } from '../src/crm/syncSets.js';
import { createUser } from '../src/crm/users.js';
import type { DialectName } from '../src/store/db.js';
import { createTestDatabase } from '../test/helpers/databases.js';
import { benchContacts } from './generate.js';

export interface ChangeResult { dialect: DialectName; items: number; runs: number; medianUs: number; p95Us: number; changes: number }

export async function changeQuery(dialect: DialectName, items: number, runs: number): Promise<ChangeResult> {
  const tdb = await createTestDatabase(dialect);
  try {
    const ctx = { db: tdb.database.db, dialect, now: Date.now };
    const user = await createUser(ctx, { username: 'bench', password: 'bench-password' });
    for (const part of chunks(benchContacts(items), 1000)) await importContacts(ctx, part.map(draftContact), SYSTEM, user.id);
    const collection = (await findCollection(ctx, user.id, 'contacts'))!;
    const edited = await contacts.findBy(ctx, { uid: `bench-contact-${Math.ceil(items / 2)}` });
    await contacts.update(ctx, edited!.id, { note: 'edited once' }, SYSTEM);
    const times: number[] = [];
    let changes = 0;
    for (let i = 0; i < runs + 50; i++) {
      const t = process.hrtime.bigint();
      const r = await changesSince(ctx, collection.id, collection.revision);
      const us = Number(process.hrtime.bigint() - t) / 1000;
      if (i >= 50) times.push(us); // the first 50 warm caches and the JIT
      changes = r.changes.length;
    }
    times.sort((a, b) => a - b);
    return { dialect, items, runs, medianUs: times[Math.floor(runs / 2)]!, p95Us: times[Math.floor(runs * 0.95)]!, changes };
  } finally {
    await tdb.drop();
  }
}
