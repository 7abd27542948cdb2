// Loads the benchmark data into a fresh crmsync SQLite file through the CRM's services (its own
// process, so the serving process's peak RSS is the server's alone): contacts with
// importContacts (ticked for the user), appointments with importPath (the `crmsync import`
// service; the user attends each). Usage: crmsyncLoad.ts DBFILE CONTACTS EVENTS
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunks } from '../../src/crm/context.js';
import { importContacts } from '../../src/crm/contacts.js';
import { draftContact } from '../../src/crm/rows.js';
import { createUser } from '../../src/crm/users.js';
import { userAuthor } from '../../src/domain/authors.js';
import { importPath } from '../../src/importexport/import.js';
import { CalendarFileBuilder } from '../../src/importexport/calendarFile.js';
import { openDatabase } from '../../src/store/db.js';
import { benchAppointments, benchContacts, icsText } from './data.js';

const [file, nContacts, nEvents] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
const database = await openDatabase(file);
const ctx = { db: database.db, dialect: database.dialect, now: Date.now };
const user = await createUser(ctx, { username: 'alice', password: 'wonderland', displayName: 'Alice Bench' });
const author = userAuthor(user.id, user.username);
const started = performance.now();
for (const part of chunks(benchContacts(nContacts), 1000)) await importContacts(ctx, part.map(draftContact), author, user.id);
if (nEvents > 0) {
  const dir = mkdtempSync(join(tmpdir(), 'crmsync-bench-load-'));
  try {
    const cal = new CalendarFileBuilder();
    for (const a of benchAppointments(nEvents)) cal.add(icsText(a));
    writeFileSync(join(dir, 'calendar.ics'), cal.toString());
    const report = await importPath(ctx, join(dir, 'calendar.ics'), { user, tick: false });
    if (report.failed > 0) throw new Error(`calendar import failed: ${report.failures[0]?.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
await database.close();
process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - started) / 1000 })}\n`);
