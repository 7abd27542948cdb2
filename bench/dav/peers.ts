// Radicale and Xandikos for the benchmark, started like test/helpers/peers.ts but with their data
// written straight into their storage before the first request (fastest and fair: no server
// spends benchmark time on 20,000 PUTs): Radicale's filesystem layout
// (collection-root/<user>/<collection>/ with .Radicale.props), Xandikos's git working trees
// (files added and committed in one commit per collection).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/peers.js';

export type PeerKind = 'radicale' | 'xandikos';

export interface BenchPeer {
  kind: PeerKind;
  pid: number;
  auth: string;
  contacts: string;
  calendar: string;
  stop(): Promise<void>;
}

export interface PeerData { contacts: Map<string, string>; events: Map<string, string> }

async function waitUntilAnswering(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${log()}`);
    try {
      await (await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(2000) })).arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`no answer within 60 s: ${log()}`);
}

function writeItems(dir: string, items: Map<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of items) writeFileSync(join(dir, name), text);
}

export async function startBenchPeer(kind: PeerKind, data: PeerData): Promise<BenchPeer> {
  const dir = mkdtempSync(join(tmpdir(), `crmsync-bench-${kind}-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  let child: ChildProcess;
  let contacts: string;
  let calendar: string;
  if (kind === 'radicale') {
    const root = join(dir, 'collections', 'collection-root', 'alice');
    writeItems(join(root, 'contacts'), data.contacts);
    writeFileSync(join(root, 'contacts', '.Radicale.props'), JSON.stringify({ tag: 'VADDRESSBOOK', 'D:displayname': 'Contacts' }));
    writeItems(join(root, 'calendar'), data.events);
    writeFileSync(join(root, 'calendar', '.Radicale.props'), JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': 'Calendar', 'C:supported-calendar-component-set': 'VEVENT' }));
    writeFileSync(join(dir, 'htpasswd'), 'alice:wonderland\n');
    writeFileSync(join(dir, 'config'), [
      '[server]', `hosts = 127.0.0.1:${port}`, 'ssl = False',
      '[auth]', 'type = htpasswd', `htpasswd_filename = ${join(dir, 'htpasswd')}`, 'htpasswd_encryption = plain', 'delay = 0',
      '[rights]', 'type = owner_only',
      '[storage]', `filesystem_folder = ${join(dir, 'collections')}`,
      '[logging]', 'level = warning', 'mask_passwords = True',
    ].join('\n'));
    child = spawn('/usr/bin/python3', ['-m', 'radicale', '-C', join(dir, 'config')], { stdio: ['ignore', 'pipe', 'pipe'] });
    contacts = `${url}alice/contacts/`;
    calendar = `${url}alice/calendar/`;
  } else {
    // --defaults creates user/contacts/addressbook and user/calendars/calendar (git working trees)
    // at first start; stop, fill and commit, start again.
    const once = spawn('/usr/bin/xandikos', ['--defaults', '-d', dir, '-l', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    await waitUntilAnswering(url, once, () => '');
    once.kill('SIGTERM');
    await new Promise((r) => once.once('exit', r));
    for (const [sub, items] of [['user/contacts/addressbook', data.contacts], ['user/calendars/calendar', data.events]] as const) {
      const repo = join(dir, sub);
      writeItems(repo, items);
      execFileSync('git', ['-C', repo, 'add', '-A'], { stdio: 'ignore' });
      execFileSync('git', ['-C', repo, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '--allow-empty', '-m', 'load'], { stdio: 'ignore' });
    }
    child = spawn('/usr/bin/xandikos', ['-d', dir, '-l', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    contacts = `${url}user/contacts/addressbook/`;
    calendar = `${url}user/calendars/calendar/`;
  }
  let output = '';
  child.stdout?.on('data', (b: Buffer) => { output = (output + b.toString()).slice(-5000); });
  child.stderr?.on('data', (b: Buffer) => { output = (output + b.toString()).slice(-5000); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(url, child, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  return { kind, pid: child.pid!, auth: `Basic ${Buffer.from('alice:wonderland').toString('base64')}`, contacts, calendar, stop };
}
