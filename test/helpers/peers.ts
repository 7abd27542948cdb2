// Real CalDAV/CardDAV servers for integration tests: Radicale and Xandikos (Debian packages),
// each started on a free 127.0.0.1 port with its storage in a fresh temp dir, and stopped (and
// the dir removed) by `stop()`. A missing binary skips the tests with a visible notice, except
// under CI=true, where it fails them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type PeerKind = 'radicale' | 'xandikos';

/** Debian's interpreter: the `python3` on PATH may be another one without the packages. */
const DEBIAN_PYTHON = '/usr/bin/python3';
const XANDIKOS = '/usr/bin/xandikos';

export interface Peer {
  kind: PeerKind;
  /** Server root, e.g. http://127.0.0.1:5232/ */
  url: string;
  username: string;
  password: string;
  /** Collections created for the tests (absolute URLs ending in '/'). */
  collections: { contacts: string; calendar: string; tasks: string };
  /** Server output so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Whether the server can run here; logs a notice when not, throws under CI=true. */
export function peerAvailable(kind: PeerKind): boolean {
  const ok = kind === 'radicale'
    ? existsSync(DEBIAN_PYTHON) && spawnSync(DEBIAN_PYTHON, ['-c', 'import radicale'], { stdio: 'ignore' }).status === 0
    : existsSync(XANDIKOS);
  if (ok) return true;
  const what = kind === 'radicale' ? `${DEBIAN_PYTHON} -m radicale` : XANDIKOS;
  if (process.env.CI === 'true') throw new Error(`${what} is required under CI (apt-get install ${kind})`);
  console.warn(`\n*** ${what} not found: ${kind} integration tests are SKIPPED (apt-get install ${kind}) ***\n`);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Radicale on 127.0.0.1:`port` with its storage in `dir`/collections and one plain htpasswd login
 * per account. Our own config file (-C), so /etc/radicale/config (remote_user auth, TLS) is not read.
 */
export function spawnRadicale(dir: string, port: number, logins: { username: string; password: string }[]): ChildProcess {
  const htpasswd = join(dir, 'htpasswd');
  writeFileSync(htpasswd, logins.map((l) => `${l.username}:${l.password}\n`).join(''));
  const config = join(dir, 'config');
  writeFileSync(config, [
    '[server]', `hosts = 127.0.0.1:${port}`, 'ssl = False',
    '[auth]', 'type = htpasswd', `htpasswd_filename = ${htpasswd}`, 'htpasswd_encryption = plain', 'delay = 0',
    '[rights]', 'type = owner_only',
    '[storage]', `filesystem_folder = ${join(dir, 'collections')}`,
    '[logging]', 'level = warning', 'mask_passwords = True',
  ].join('\n'));
  return spawn(DEBIAN_PYTHON, ['-m', 'radicale', '-C', config], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function startPeer(kind: PeerKind): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), `crmsync-${kind}-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const username = 'alice';
  const password = 'wonderland';
  let child: ChildProcess;
  if (kind === 'radicale') {
    child = spawnRadicale(dir, port, [{ username, password }]);
  } else {
    // Xandikos has no authentication of its own: any credentials are accepted.
    child = spawn(XANDIKOS, ['--defaults', '-d', dir, '-l', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  let output = '';
  child.stdout?.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { output += b.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(url, child, () => output);
    const auth = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
    const collections = kind === 'radicale'
      ? await seedRadicale(url, username, auth)
      : await seedXandikos(url);
    return { kind, url, username, password, collections, log: () => output, stop };
  } catch (e) {
    await stop();
    throw new Error(`${kind} did not start: ${(e as Error).message}\n${output}`);
  }
}

async function waitUntilAnswering(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}: ${output()}`);
    try {
      await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('no answer within 20 s');
}

const mkcalendar = (components: string[], name: string) => `<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
<D:displayname>${name}</D:displayname>
<C:supported-calendar-component-set>${components.map((c) => `<C:comp name="${c}"/>`).join('')}</C:supported-calendar-component-set>
</D:prop></D:set></C:mkcalendar>`;

const mkAddressbook = (name: string) => `<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>
<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype><D:displayname>${name}</D:displayname>
</D:prop></D:set></D:mkcol>`;

async function send(url: string, method: string, body: string, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(url, { method, body, headers: { 'content-type': 'application/xml; charset=utf-8', ...headers } });
  await res.arrayBuffer();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status}`);
}

/** Radicale starts empty: an event calendar, a task list and an address book under /alice/. */
async function seedRadicale(url: string, user: string, auth: Record<string, string>): Promise<Peer['collections']> {
  const home = new URL(`/${user}/`, url).href;
  const collections = { calendar: `${home}calendar/`, tasks: `${home}tasks/`, contacts: `${home}contacts/` };
  await send(collections.calendar, 'MKCALENDAR', mkcalendar(['VEVENT'], 'Calendar'), auth);
  await send(collections.tasks, 'MKCALENDAR', mkcalendar(['VTODO'], 'Tasks'), auth);
  await send(collections.contacts, 'MKCOL', mkAddressbook('Contacts'), auth);
  return collections;
}

/**
 * `--defaults` made /user/calendars/calendar (no component restriction: events and tasks) and
 * /user/contacts/addressbook; a VTODO-only task list is added so both layouts are covered.
 */
async function seedXandikos(url: string): Promise<Peer['collections']> {
  const tasks = new URL('/user/calendars/tasks/', url).href;
  await send(tasks, 'MKCALENDAR', mkcalendar(['VTODO'], 'Tasks'));
  return {
    calendar: new URL('/user/calendars/calendar/', url).href,
    tasks,
    contacts: new URL('/user/contacts/addressbook/', url).href,
  };
}
