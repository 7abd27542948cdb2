// End-to-end: the real `crmsync` command against a temporary --data directory (issue 2 item 7).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'importexport', 'fixtures', 'mixed');
const SLOW = 120_000;

/** The test's environment without a DATABASE_URL or CRMSYNC_DATA that would point elsewhere. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, CRMSYNC_DATA: _c, ...rest } = process.env;
  return { ...rest, ...extra };
}

let dir: string;
function crmsync(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), '--data', join(dir, 'data'), ...args], {
    cwd: ROOT, encoding: 'utf8', input, env: env({ CRMSYNC_ADMIN_PASSWORD: 'admin-password' }),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function count(table: 'contacts' | 'appointments' | 'tasks' | 'users' | 'groups'): Promise<number> {
  const db = await openDatabase(join(dir, 'data', 'crmsync.db'));
  try {
    return Number((await db.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  } finally {
    await db.close();
  }
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'crmsync-cli-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crmsync CLI', () => {
  it('adds and lists users; a weak password or an unknown user is one line and exit 1', () => {
    const weak = crmsync(['user', 'add', 'alice', '--password', 'short']);
    expect(weak.code).toBe(1);
    expect(weak.stderr.trim().split('\n').pop()).toBe('crmsync: password: at least 8 characters');
    expect(weak.stderr).not.toMatch(/\n\s+at /); // no stack trace

    expect(crmsync(['user', 'add', 'alice', '--password-stdin', '--email', 'alice@example.com'], 'alice-password\n').code).toBe(0);
    const list = crmsync(['user', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^USERNAME\s+DISPLAY NAME\s+EMAIL\s+ADMIN\s+DISABLED$/m);
    expect(list.stdout).toMatch(/^admin\s+Administrator\s+yes\s+no$/m);
    expect(list.stdout).toMatch(/^alice\s+alice\s+alice@example\.com\s+no\s+no$/m);

    const unknown = crmsync(['user', 'passwd', 'nobody', '--password', 'long-enough']);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'crmsync: user nobody does not exist']);
  }, SLOW);

  it('imports a directory with a broken vCard: good ones in, the broken one reported with its position, exit 2', async () => {
    cpSync(FIXTURES, join(dir, 'in'), { recursive: true });
    const r = crmsync(['import', join(dir, 'in'), '--user', 'alice', '--tick']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('failed contacts.vcf: entry 2 (line 10): line 11: vCard version 2.1 is not supported');
    expect(r.stderr).toContain('failed calendar.ics: entry 2 (line 22)');
    expect(r.stdout.trim()).toBe('created 6, matched 0, failed 2 (contacts 3/0, appointments 2/0, tasks 1/0 created/matched)');
    expect(await count('contacts')).toBe(3);

    const again = crmsync(['import', join(dir, 'in'), '--user', 'alice']);
    expect(again.stdout).toMatch(/^created 0, matched 6, failed 2/);
    expect([await count('contacts'), await count('appointments'), await count('tasks')]).toEqual([3, 2, 1]);
  }, SLOW);

  it('exports into a directory and to stdout; the export imports back as matches', () => {
    const out = join(dir, 'export');
    const r = crmsync(['export', '--user', 'alice', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`exported 3 contacts, 2 appointments, 1 tasks to ${out}`);
    expect(readFileSync(join(out, 'contacts.vcf'), 'utf8')).toContain('UID:fx-contact-1');
    expect(readFileSync(join(out, 'calendar.ics'), 'utf8')).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20261214T090000');
    expect(readFileSync(join(out, 'tasks.ics'), 'utf8')).toContain('UID:fx-task-1');
    const stdout = crmsync(['export']);
    expect(stdout.stdout.match(/^BEGIN:VCARD/gm)).toHaveLength(3);
    expect(stdout.stdout.match(/^BEGIN:VCALENDAR/gm)).toHaveLength(2);
    const back = crmsync(['import', out, '--user', 'alice']);
    expect([back.code, back.stdout.trim()]).toEqual([0, 'created 0, matched 6, failed 0 (contacts 0/3, appointments 0/2, tasks 0/1 created/matched)']);
  }, SLOW);

  it('undoes an import entry from the journal', async () => {
    const journal = crmsync(['journal', '--limit', '100']);
    const line = journal.stdout.split('\n').find((l) => /\scontact\s.*\screate\s*$/.test(l));
    expect(line).toBeDefined();
    const id = line!.split(/\s+/)[0]!;
    const undo = crmsync(['undo', id]);
    expect(undo.code).toBe(0);
    expect(undo.stdout).toMatch(new RegExp(`^undid journal entry ${id}: contact \\S+ delete`));
    expect(await count('contacts')).toBe(2);
    const twice = crmsync(['undo', id]);
    expect([twice.code, twice.stderr.trim()]).toEqual([1, `crmsync: journal entry ${id} was already undone by entry ${undo.stdout.match(/\(entry (\d+)\)/)![1]}`]);
    expect(crmsync(['undo', 'abc']).stderr.trim()).toBe('crmsync: JOURNAL_ID must be a positive whole number, not "abc"');
  }, SLOW);

  it('refuses an unreadable import target with one line and exit 1', () => {
    writeFileSync(join(dir, 'readme.txt'), 'hello');
    const r = crmsync(['import', join(dir, 'readme.txt'), '--user', 'alice']);
    expect([r.code, r.stderr.trim()]).toEqual([1, `crmsync: ${join(dir, 'readme.txt')}: neither a vCard (.vcf) nor an iCalendar (.ics) file`]);
  }, SLOW);

  it('serves, lets the CLI work on the same data meanwhile, and stops cleanly on SIGTERM', async () => {
    const server = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), '--data', join(dir, 'data'), 'serve', '--port', '0'], {
      cwd: ROOT, env: env({ LOG_LEVEL: 'info' }),
    });
    let log = '';
    server.stdout.on('data', (c: Buffer) => { log += c.toString(); });
    server.stderr.on('data', (c: Buffer) => { log += c.toString(); });
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const m = /listening on (http:\/\/[^"\s]+)/.exec(log);
          if (m) { clearInterval(timer); resolve(m[1]!); }
        }, 100);
        void exited.then(() => { clearInterval(timer); reject(new Error(`serve exited: ${log}`)); });
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(crmsync(['user', 'add', 'dave', '--password', 'dave-password']).code).toBe(0);
      expect(crmsync(['user', 'list']).stdout).toMatch(/^dave\s/m);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(log).toContain('shutting down');
  }, SLOW);

  it('demo creates the promised numbers', async () => {
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'crmsync-cli-demo-'));
    const r = crmsync(['demo', '--seed', '5', '--password', 'demo-password']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^demo CRM: 3 users, 2 groups, 500 contacts \(\d+ sync ticks\), 300 appointments, 100 tasks$/m);
    expect(r.stderr).toMatch(/^demo records 903\/903$/m); // plain progress lines off a terminal
    expect([await count('users'), await count('groups'), await count('contacts'), await count('appointments'), await count('tasks')])
      .toEqual([4, 2, 500, 300, 100]); // admin + alice, bob, carol
  }, SLOW);
});
