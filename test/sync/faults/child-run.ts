// Child process for the kill -9 test (issue 4 item 5): runs one channel to the end on an SQLite
// file, printing "progress <done> <total>" after every batch, so the parent can SIGKILL it after
// some batches have landed. Usage: node --import tsx child-run.ts <sqlite file> <channel id>
// with CRMSYNC_TEST_KEY (hex) holding the keyring key.
import { openDatabase } from '../../../src/store/db.js';
import { createKeyring } from '../../../src/security/keyring.js';
import { runToEnd } from '../../../src/sync/engine/run.js';

const [file, channelId] = process.argv.slice(2);
if (!file || !channelId || !process.env.CRMSYNC_TEST_KEY) {
  process.stderr.write('usage: child-run.ts <sqlite file> <channel id> (CRMSYNC_TEST_KEY set)\n');
  process.exit(2);
}
const database = await openDatabase(file);
const ctx = { db: database.db, dialect: database.dialect, now: Date.now };
const keyring = createKeyring(Buffer.from(process.env.CRMSYNC_TEST_KEY, 'hex'));
const out = await runToEnd({ ctx, keyring, owner: `child-${process.pid}` }, channelId, 'manual', {
  onProgress: (p) => process.stdout.write(`progress ${p.done} ${p.total}\n`),
});
process.stdout.write(`end ${out.kind}\n`);
await database.close();
