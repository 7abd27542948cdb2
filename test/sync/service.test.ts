// Automatic sync on the job engine (issue 4 items 3, 4; D2, O1): in one process on SQLite, due
// channels run by themselves, "sync now" runs at once, and runs that fell due while the process
// was down start at boot.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { loadConfig } from '../../src/app/config.js';
import type { AppContext } from '../../src/app/context.js';
import { createKeyring } from '../../src/security/keyring.js';
import { createUser } from '../../src/crm/users.js';
import { createContact } from '../../src/crm/contacts.js';
import { SYSTEM } from '../../src/domain/authors.js';
import { MemoryAccount } from '../../src/connectors/memory/index.js';
import { addTarget } from '../../src/sync/engine/targets.js';
import { listChannels, updateChannel } from '../../src/sync/engine/channels.js';
import { requestSync } from '../../src/sync/engine/schedule.js';
import { startSyncService, type SyncService } from '../../src/sync/service.js';

const BOOK = '/book/';

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sync service (SQLite, one process)', () => {
  let tdb: TestDatabase;
  let app: AppContext;
  let account: MemoryAccount;
  let service: SyncService | null = null;

  beforeEach(async () => {
    tdb = await createTestDatabase('sqlite');
    const config = { ...loadConfig({}), databaseUrl: tdb.url };
    app = {
      config, database: tdb.database, crm: { db: tdb.database.db, dialect: 'sqlite', now: Date.now },
      keyring: createKeyring(randomBytes(32)), logger: pino({ level: 'silent' }), close: async () => {},
    };
    account = new MemoryAccount({ [BOOK]: ['contacts'] });
  });
  afterEach(async () => {
    await service?.stop();
    service = null;
    await tdb.drop();
  });

  const start = async () => {
    service = await startSyncService(app, { sweepMs: 100, connectorFactory: () => account.connector() });
  };

  it('runs a due automatic channel by itself, and "sync now" runs a manual one at once', async () => {
    const alice = await createUser(app.crm, { username: 'alice', password: 'correct horse' });
    await createContact(app.crm, { givenName: 'Auto' }, SYSTEM, [alice.id]);
    await addTarget(app.crm, app.keyring, { userId: alice.id, url: 'https://dav.example.com/', username: 'a', password: 'p' }, () => account.connector());
    await start();
    await until(() => account.col(BOOK).items.size === 1);
    const [channel] = await listChannels(app.crm, { userId: alice.id });
    await updateChannel(app.crm, channel!.id, { automatic: false });
    await createContact(app.crm, { givenName: 'Manual' }, SYSTEM, [alice.id]);
    await new Promise((r) => setTimeout(r, 400));
    expect(account.col(BOOK).items.size).toBe(1); // manual mode: nothing runs by itself (D2)
    await requestSync(app.crm, channel!.id);
    await until(() => account.col(BOOK).items.size === 2);
  });

  it('a run that fell due while the process was down starts at boot', async () => {
    const alice = await createUser(app.crm, { username: 'alice', password: 'correct horse' });
    await addTarget(app.crm, app.keyring, { userId: alice.id, url: 'https://dav.example.com/', username: 'a', password: 'p' }, () => account.connector());
    const [channel] = await listChannels(app.crm, { userId: alice.id });
    await updateChannel(app.crm, channel!.id, { nextRunAt: Date.now() + 3_600_000 });
    await createContact(app.crm, { givenName: 'Later' }, SYSTEM, [alice.id]);
    await updateChannel(app.crm, channel!.id, { nextRunAt: Date.now() - 60_000 }); // fell due "while down"
    await start();
    await until(() => account.col(BOOK).items.size === 1);
  });
});
