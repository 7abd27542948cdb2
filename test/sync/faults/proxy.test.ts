// Fault tests of the sync engine against a real Radicale (issue 4 item 5):
//  - through a proxy that drops connections, loses replies, answers 500/503/429 (with
//    Retry-After) and stalls past the connector's timeout: the run fails cleanly per L4 (transient,
//    retry scheduled honouring Retry-After, failure counted and logged per L3), 5 automatic
//    failures suspend the channel (L3), and once the proxy is healthy a run completes with nothing
//    lost and nothing duplicated (M2);
//  - kill -9 of a process mid-run, then a run to the end: one copy per CRM contact, links =
//    contacts, nothing lost.
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { peerAvailable, startPeer, type Peer } from '../../helpers/peers.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases.js';
import { SYSTEM } from '../../../src/domain/authors.js';
import type { CrmContext } from '../../../src/crm/context.js';
import { createUser } from '../../../src/crm/users.js';
import { createContact, importContacts } from '../../../src/crm/contacts.js';
import { draftContact } from '../../../src/crm/rows.js';
import { createKeyring } from '../../../src/security/keyring.js';
import { contactInputSchema } from '../../../src/domain/schemas.js';
import { createCalDavConnector } from '../../../src/connectors/caldav/index.js';
import { addTarget, type ConnectorFactory } from '../../../src/sync/engine/targets.js';
import { channelEvents, listRuns } from '../../../src/sync/engine/history.js';
import { getChannel, listChannels, MAX_CONSECUTIVE_FAILURES, updateChannel } from '../../../src/sync/engine/channels.js';
import { runBatch, runToEnd, type EngineDeps } from '../../../src/sync/engine/run.js';
import { allLinks, countLinks } from '../../../src/sync/engine/links.js';
import { createWorld, dav, etags } from '../integration/support.js';
import { startFaultProxy, type FaultMode, type FaultProxy } from './proxy.js';

/** Every copy on the server with the CRM id it carries (X-CRMSYNC-ID), read straight from Radicale. */
async function remoteCrmIds(peer: Peer, collection: string): Promise<string[]> {
  const conn = createCalDavConnector({ url: peer.url, username: peer.username, password: peer.password });
  const refs = [...(await etags(peer, collection)).keys()];
  const got = await conn.fetch(collection, 'contacts', refs);
  expect(got.skipped).toEqual([]);
  return got.items.map((i) => i.crmId ?? `(none: ${i.ref})`);
}

async function emptyCollection(peer: Peer, collection: string): Promise<void> {
  for (const url of (await etags(peer, collection)).keys()) await dav(peer, url, 'DELETE');
}

describe.skipIf(!peerAvailable('radicale'))('sync engine faults against a real Radicale', () => {
  let peer: Peer;
  beforeAll(async () => { peer = await startPeer('radicale'); });
  afterAll(async () => { await peer?.stop(); });

  describe('through a fault proxy (L3, L4, M2)', () => {
    let proxy: FaultProxy;
    let w: Awaited<ReturnType<typeof createWorld>>;
    let deps: EngineDeps;
    let channelId: string;
    let ids: string[];
    /** Small while a stall is being tested (the proxy never answers), generous otherwise. */
    let timeoutMs = 30_000;
    const factory: ConnectorFactory = (target, secret, directory) =>
      createCalDavConnector({ url: target.url, username: target.username, password: secret.password, directory, timeoutMs });

    beforeEach(async () => {
      await emptyCollection(peer, peer.collections.contacts);
      proxy = await startFaultProxy(peer.url);
      w = await createWorld();
      deps = { ctx: w.t.ctx, keyring: w.keyring, connectorFactory: factory };
      await addTarget(w.t.ctx, w.keyring, { userId: w.alice.id, url: proxy.url, username: peer.username, password: peer.password }, factory);
      channelId = await w.channelOf('contacts');
      await updateChannel(w.t.ctx, channelId, { batchSize: 10 });
      ids = [];
      for (let i = 0; i < 25; i++) ids.push((await createContact(w.t.ctx, { givenName: `F${i}`, emails: [{ type: 'business', value: `f${i}@example.com` }] }, SYSTEM, [w.alice.id])).id);
      timeoutMs = 30_000;
    });
    afterEach(async () => {
      await proxy?.close();
      await w?.t.drop();
    });

    /** Healthy again: the run completes; the server holds exactly one copy per contact. */
    async function recoversWithoutLossOrDuplicates() {
      proxy.mode = 'pass';
      timeoutMs = 30_000;
      const out = await runToEnd(deps, channelId, 'manual');
      expect(out).toMatchObject({ kind: 'done', status: 'completed' });
      expect((await remoteCrmIds(peer, peer.collections.contacts)).sort()).toEqual([...ids].sort());
      expect(await countLinks(w.t.ctx, channelId)).toBe(ids.length);
      expect(new Set((await allLinks(w.t.ctx, channelId)).map((l) => l.remoteHref)).size).toBe(ids.length);
      expect(await getChannel(w.t.ctx, channelId)).toMatchObject({ status: 'idle', consecutiveFailures: 0 });
      // A further run changes nothing on the server.
      const before = await etags(peer, peer.collections.contacts);
      expect(await runToEnd(deps, channelId, 'manual')).toMatchObject({ kind: 'done', counts: { created: 0, updated: 0, deleted: 0 } });
      expect(await etags(peer, peer.collections.contacts)).toEqual(before);
    }

    const cases: { mode: FaultMode; retryAfter: number | null; expectError: RegExp }[] = [
      { mode: 'drop', retryAfter: null, expectError: /PUT|REPORT|PROPFIND/ },
      { mode: 'lost-reply', retryAfter: null, expectError: /PUT|REPORT|PROPFIND/ },
      { mode: '500', retryAfter: null, expectError: /: 500/ },
      { mode: '503', retryAfter: 120, expectError: /: 503/ },
      { mode: '429', retryAfter: 7, expectError: /: 429/ },
      { mode: 'stall', retryAfter: null, expectError: /no answer within 1000 ms/ },
    ];

    it.each(cases)('$mode mid-batch: the automatic run fails cleanly (L4), then a healthy run completes with nothing lost or duplicated', async ({ mode, retryAfter, expectError }) => {
      // Discovery/state PROPFIND, the sync-collection REPORT, then some PUTs land before the fault.
      proxy.healthy = 5;
      proxy.mode = mode;
      proxy.retryAfterSeconds = retryAfter ?? 0;
      if (mode === 'stall') timeoutMs = 1000;
      const now = w.t.clock.now;
      const out = await runBatch(deps, channelId, 'auto');
      expect(out).toMatchObject({ kind: 'failed', auth: false, suspended: false });
      if (out.kind !== 'failed') return;
      expect(out.error).toMatch(expectError);
      expect(proxy.faulted).toBeGreaterThan(0);
      // L4: backoff from one minute, never sooner than Retry-After.
      expect(out.retryAt).toBeGreaterThanOrEqual(now + Math.max(60_000, (retryAfter ?? 0) * 1000));
      const channel = await getChannel(w.t.ctx, channelId);
      expect(channel).toMatchObject({ status: 'idle', consecutiveFailures: 1, nextRunAt: out.retryAt });
      // L3: the failure is kept with time, unit and error text.
      expect((await listRuns(w.t.ctx, channelId))[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(expectError) });
      expect((await channelEvents(w.t.ctx, channelId, { limit: 5, failuresOnly: true }))[0]).toMatchObject({ action: 'run', message: expect.stringMatching(/^contacts: /) });
      // Some copies landed before the fault (and, with a lost reply, one the engine never heard of).
      expect((await etags(peer, peer.collections.contacts)).size).toBeGreaterThan(0);
      await recoversWithoutLossOrDuplicates();
    });

    it('L3: five automatic failures in a row suspend the channel; automatic runs then skip it; a manual sync resumes and completes', async () => {
      proxy.mode = '503';
      proxy.retryAfterSeconds = 2;
      for (let i = 1; i <= MAX_CONSECUTIVE_FAILURES; i++) {
        const out = await runBatch(deps, channelId, 'auto');
        expect(out).toMatchObject({ kind: 'failed', suspended: i === MAX_CONSECUTIVE_FAILURES });
        expect((await getChannel(w.t.ctx, channelId)).consecutiveFailures).toBe(i);
      }
      expect(await getChannel(w.t.ctx, channelId)).toMatchObject({ status: 'suspended', statusReason: expect.stringMatching(/suspended after 5 failures/) });
      const seen = proxy.seen;
      expect(await runBatch(deps, channelId, 'auto')).toMatchObject({ kind: 'skipped' });
      expect(proxy.seen).toBe(seen); // a suspended channel does not even ask the server
      expect(await channelEvents(w.t.ctx, channelId, { limit: 10, failuresOnly: true })).toHaveLength(MAX_CONSECUTIVE_FAILURES);
      await recoversWithoutLossOrDuplicates();
    });

    it('faults spread over a long run (every 7th request dropped, 503 or lost): repeated runs converge with no duplicate', async () => {
      const modes: FaultMode[] = ['drop', '503', 'lost-reply'];
      let attempts = 0;
      for (; attempts < 40; attempts++) {
        proxy.mode = modes[attempts % modes.length]!;
        proxy.healthy = 6;
        const out = await runToEnd(deps, channelId, 'manual');
        if (out.kind === 'done') break;
        expect(out.kind).toBe('failed');
      }
      expect(attempts).toBeLessThan(40);
      await recoversWithoutLossOrDuplicates();
    });
  });

  describe('kill -9 mid-run', () => {
    let tdb: TestDatabase;
    afterAll(async () => { await tdb?.drop(); });

    it('a process killed after some batches, then a run to the end: one copy per contact, links = contacts, nothing lost', { timeout: 300_000 }, async () => {
      await emptyCollection(peer, peer.collections.contacts);
      tdb = await createTestDatabase('sqlite');
      let skew = 0;
      const ctx: CrmContext = { db: tdb.database.db, dialect: 'sqlite', now: () => Date.now() + skew };
      const key = randomBytes(32);
      const keyring = createKeyring(key);
      const alice = await createUser(ctx, { username: 'alice' });
      await addTarget(ctx, keyring, { userId: alice.id, url: peer.url, username: peer.username, password: peer.password });
      const channelId = (await listChannels(ctx, { userId: alice.id })).find((c) => c.unit === 'contacts')!.id;
      await updateChannel(ctx, channelId, { batchSize: 20 });
      const N = 300;
      const imported = await importContacts(ctx, Array.from({ length: N }, (_, i) => draftContact(contactInputSchema.parse({
        givenName: `K${i}`, familyName: 'Killtest', emails: [{ type: 'private', value: `k${i}@example.com` }],
      }))), SYSTEM, alice.id);
      const ids = imported.map((c) => c.id);

      const script = fileURLToPath(new URL('./child-run.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, tdb.url, channelId], {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
        env: { ...process.env, CRMSYNC_TEST_KEY: key.toString('hex') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let lastDone = 0;
      let ended = false;
      let killing = false;
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      child.stdout.on('data', (b: Buffer) => {
        for (const line of b.toString().split('\n')) {
          const m = /^progress (\d+)/.exec(line);
          if (m) lastDone = Number(m[1]);
          if (line.startsWith('end ')) ended = true;
          // Some batches have landed; kill a moment later, in the middle of the next batch's writes.
          if (lastDone >= 60 && !killing) { killing = true; setTimeout(() => child.kill('SIGKILL'), 150); }
        }
      });
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      expect(ended, `the child finished before it could be killed: ${stderr}`).toBe(false);
      expect(exit.signal, stderr).toBe('SIGKILL');
      const landed = (await etags(peer, peer.collections.contacts)).size;
      expect(landed).toBeGreaterThanOrEqual(60);
      expect(landed).toBeLessThan(N);

      // Killed inside a batch, the dead process still holds the run lease (O2: never two runs at
      // once; run.ts LEASE_MS, 10 minutes): a restart finds the channel busy until it expires.
      const first = await runBatch({ ctx, keyring }, channelId, 'manual');
      expect(['busy', 'continue', 'done']).toContain(first.kind); // 'busy' when the kill hit a batch (the usual case)
      skew = 11 * 60_000;
      const out = await runToEnd({ ctx, keyring }, channelId, 'manual');
      expect(out).toMatchObject({ kind: 'done' });
      const onServer = await remoteCrmIds(peer, peer.collections.contacts);
      expect(onServer).toHaveLength(N);
      expect(new Set(onServer).size).toBe(N);
      expect([...onServer].sort()).toEqual([...ids].sort());
      expect(await countLinks(ctx, channelId)).toBe(N);
      const count = await ctx.db.selectFrom('contact_ticks').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', alice.id).executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(N);
      const before = await etags(peer, peer.collections.contacts);
      expect(await runToEnd({ ctx, keyring }, channelId, 'manual')).toMatchObject({ kind: 'done', counts: { created: 0, updated: 0, deleted: 0 } });
      expect(await etags(peer, peer.collections.contacts)).toEqual(before);
    });
  });
});
