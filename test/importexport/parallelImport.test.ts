// Big vCard files are parsed in worker threads (issue 2 item 10): the result — counts, matching
// by UID on re-import, contact order and the position of every broken entry — must be exactly
// what the single-threaded path gives.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createUser } from '../../src/crm/users.js';
import { userAuthor } from '../../src/domain/authors.js';
import type { User } from '../../src/domain/records.js';
import { importPath } from '../../src/importexport/import.js';
import { ProgressCounter } from '../../src/importexport/progress.js';
import { ImportReport } from '../../src/importexport/report.js';
import { importVCardText, POOL_MIN_CARDS } from '../../src/importexport/vcardImport.js';
import { createTestCrm, type TestCrm } from '../helpers/databases.js';

const CARDS = 2600;
const PARSE_BROKEN = 1234; // 1-based: a vCard 2.1 card (a parse error) in the third piece (of 500)
const INVALID = 2345; // 1-based: a UID over 500 characters (a validation error) in the fifth piece

function card(i: number): string {
  if (i === PARSE_BROKEN) return `BEGIN:VCARD\r\nVERSION:2.1\r\nUID:big-${i}\r\nN:Broken;Bert;;;\r\nEND:VCARD\r\n`;
  if (i === INVALID) return `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:big-${'x'.repeat(600)}\r\nN:Long;Uid;;;\r\nFN:Uid Long\r\nEND:VCARD\r\n`;
  // Cards of varying length, so piece boundaries and line offsets are not regular.
  const extra = i % 3 === 0 ? `EMAIL;TYPE=INTERNET:p${i}@example.de\r\n` : '';
  return `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:big-${i}\r\nN:Person${i};Anna;;;\r\nFN:Anna Person${i}\r\nTEL;TYPE=CELL:+49 151 ${String(1_000_000 + i)}\r\n${extra}END:VCARD\r\n`;
}

const text = Array.from({ length: CARDS }, (_, i) => card(i + 1)).join('');
const lineOf = (n: number) => Array.from({ length: n - 1 }, (_, i) => card(i + 1)).join('').split('\r\n').length;

describe('parallel vCard import (sqlite)', () => {
  let t: TestCrm;
  let alice: User;
  let dir: string;
  beforeEach(async () => {
    t = await createTestCrm('sqlite');
    alice = await createUser(t.ctx, { username: 'alice', password: 'alice-password' });
    dir = mkdtempSync(join(tmpdir(), 'crmsync-parallel-'));
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.drop();
  });

  // Insertion order (rowid): pieces must be written in file order.
  const uidsInOrder = async (crm: TestCrm) =>
    (await crm.ctx.db.selectFrom('contacts').select(['uid']).orderBy(sql`rowid`).execute()).map((r) => r.uid);

  it('uses the pool for a big file and reports what the single-threaded path reports', { timeout: 120_000 }, async () => {
    expect(CARDS).toBeGreaterThanOrEqual(POOL_MIN_CARDS);
    const file = join(dir, 'big.vcf');
    writeFileSync(file, text);

    const report = await importPath(t.ctx, file, { user: alice, tick: true, batchSize: 500, parseWorkers: 'auto' });
    expect(report.counts.contacts).toEqual({ created: CARDS - 2, matched: 0 });
    expect(report.failures).toEqual([
      { file, index: PARSE_BROKEN, line: lineOf(PARSE_BROKEN), message: expect.stringMatching(/version 2\.1/i) },
      { file, index: INVALID, line: lineOf(INVALID), message: expect.stringMatching(/uid/i) },
    ]);

    // The same text on the main thread (parseWorkers: 0) into a second database.
    const single = await createTestCrm('sqlite');
    try {
      const bob = await createUser(single.ctx, { username: 'alice', password: 'alice-password' });
      const singleReport = new ImportReport();
      await importVCardText(single.ctx, file, text, { author: userAuthor(bob.id, bob.username), tickUserId: bob.id, batchSize: 500, parseWorkers: 0 },
        singleReport, new ProgressCounter(CARDS));
      expect(report.failures).toEqual(singleReport.failures);
      expect(report.counts).toEqual(singleReport.counts);
      expect(await uidsInOrder(t)).toEqual(await uidsInOrder(single));
    } finally {
      await single.drop();
    }

    // Re-import with two workers (pieces finish out of order): every good card matched by UID,
    // nothing duplicated, the same failures.
    const again = await importPath(t.ctx, file, { user: alice, tick: true, batchSize: 500, parseWorkers: 2 });
    expect(again.counts.contacts).toEqual({ created: 0, matched: CARDS - 2 });
    expect(again.failures).toEqual(report.failures);
    const n = await t.ctx.db.selectFrom('contacts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(CARDS - 2);
  });
});
