// End-to-end: `crmsync target add` and `crmsync sync` against a real Radicale (issue 4 items 1, 3).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startPeer, type Peer } from '../helpers/peers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SLOW = 180_000;

let dir: string;
let peer: Peer;
function crmsync(args: string[], input?: string) {
  const { DATABASE_URL: _d, CRMSYNC_DATA: _c, ...rest } = process.env;
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), '--data', join(dir, 'data'), ...args], {
    cwd: ROOT, encoding: 'utf8', input, env: { ...rest, CRMSYNC_ADMIN_PASSWORD: 'admin-password' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!peerAvailable('radicale'))('crmsync target and sync', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crmsync-sync-cli-'));
    peer = await startPeer('radicale');
  });
  afterAll(async () => {
    await peer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects an account (wrong password refused), syncs to the end, and reports the state', () => {
    expect(crmsync(['user', 'add', 'alice', '--password', 'alice-password']).code).toBe(0);
    const vcf = join(dir, 'c.vcf');
    writeFileSync(vcf, 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:cli-1\r\nFN:Carla Cli\r\nN:Cli;Carla;;;\r\nEND:VCARD\r\n');
    expect(crmsync(['import', vcf, '--user', 'alice', '--tick']).code).toBe(0);

    const wrong = crmsync(['target', 'add', '--user', 'alice', '--url', peer.url, '--username', peer.username, '--password-stdin'], 'wrong\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe('crmsync: the account rejected these credentials');

    const ok = crmsync(['target', 'add', '--user', 'alice', '--url', peer.url, '--username', peer.username, '--password-stdin'], `${peer.password}\n`);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/contacts\s+http/);

    const sync = crmsync(['sync', '--user', 'alice']);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/contacts: completed \(created 1,/);

    const list = crmsync(['target', 'list']);
    expect(list.stdout).toMatch(/contacts\s+two-way\s+idle/);

    const again = crmsync(['sync', '--user', 'alice', '--unit', 'contacts']);
    expect(again.stdout).toMatch(/contacts: completed \(created 0, updated 0, deleted 0/);
    expect(crmsync(['sync', '--user', 'alice', '--unit', 'nonsense']).code).toBe(1);
  }, SLOW);
});
