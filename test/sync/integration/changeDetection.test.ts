// What a run asks the server (issue 4 item 6), end to end against real Radicale and Xandikos:
// contacts already on the server with our X-CRMSYNC-ID (written by another client, as after a
// bulk import on the server or a reset) are linked by M1 at the first run, nothing created;
// a run with no change sends one PROPFIND Depth 0 for the sync-token alone (servers compute
// sync-token and getctag each over the whole collection, docs/benchmarks.md); a change on either
// side is still noticed and carried, the sync-collection answer bringing the changed items' texts
// where the server gives them (Radicale; Xandikos does not: multiget); the echo of our own writes
// costs no write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startPeer, type Peer, type PeerKind } from '../../helpers/peers.js';
import { SYSTEM } from '../../../src/domain/authors.js';
import { contacts, createContact } from '../../../src/crm/contacts.js';
import { createCalDavConnector, defaultDirectory } from '../../../src/connectors/caldav/index.js';
import { writeItem } from '../../../src/connectors/caldav/mapping.js';
import type { SyncedContact } from '../../../src/connectors/types.js';
import { addTarget, type ConnectorFactory } from '../../../src/sync/engine/targets.js';
import { runToEnd, type EngineDeps } from '../../../src/sync/engine/run.js';
import { countLinks } from '../../../src/sync/engine/links.js';
import { createWorld, etags, getRaw, putRaw } from './support.js';

interface Sent { method: string; depth: string | null; ifMatch: string | null; body: string }

for (const kind of ['radicale', 'xandikos'] as PeerKind[]) {
  describe.skipIf(!peerAvailable(kind))(`what a run asks ${kind}`, () => {
    let peer: Peer;
    let w: Awaited<ReturnType<typeof createWorld>>;
    let deps: EngineDeps;
    let channel: string;
    const sent: Sent[] = [];
    const ids: string[] = [];
    const spy: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      sent.push({ method: init?.method ?? 'GET', depth: headers.get('depth'), ifMatch: headers.get('if-match'), body: typeof init?.body === 'string' ? init.body : '' });
      return fetch(input, init);
    };
    const factory: ConnectorFactory = (target, secret, directory) =>
      createCalDavConnector({ url: target.url, username: target.username, password: secret.password, directory, fetch: spy });
    const run = async () => {
      sent.length = 0;
      const out = await runToEnd(deps, channel, 'manual');
      if (out.kind !== 'done') throw new Error(`run ended ${JSON.stringify(out)}\n${peer.log()}`);
      return out.counts;
    };
    const hrefOf = (i: number) => `${peer.collections.contacts}phone-${i}.vcf`;

    beforeAll(async () => {
      peer = await startPeer(kind);
      w = await createWorld();
      deps = { ctx: w.t.ctx, keyring: w.keyring, connectorFactory: factory };
      for (let i = 0; i < 5; i++) {
        const c = await createContact(w.t.ctx, { givenName: `Ada ${i}`, familyName: 'Lovelace', emails: [{ type: 'business', value: `ada${i}@example.com` }] }, SYSTEM, [w.alice.id]);
        ids.push(c.id);
        // Another client stored our rendering under a name of its own: only M1 can find it.
        const text = writeItem({ unit: 'contacts', record: c as unknown as SyncedContact }, { uid: c.uid, crmId: c.id, original: null, directory: defaultDirectory, now: Date.now() });
        await putRaw(peer, hrefOf(i), text);
      }
      const collections = kind === 'xandikos' ? { calendar: peer.collections.calendar, tasks: peer.collections.tasks } : undefined;
      await addTarget(w.t.ctx, w.keyring, { userId: w.alice.id, url: peer.url, username: peer.username, password: peer.password, collections }, factory);
      channel = await w.channelOf('contacts');
    });
    afterAll(async () => {
      await w?.t.drop();
      await peer?.stop();
    });

    it('M1: items already on the server with our id are linked at the first run, nothing created or written', async () => {
      const before = await etags(peer, peer.collections.contacts);
      const counts = await run();
      expect(counts).toMatchObject({ created: 0, updated: 0, deleted: 0, skipped: 0 });
      expect(await countLinks(w.t.ctx, channel)).toBe(5);
      expect(await etags(peer, peer.collections.contacts)).toEqual(before);
      expect(sent.filter((s) => s.method === 'PUT' || s.method === 'DELETE')).toEqual([]);
      // Radicale's initial sync-collection listing carried the items' texts: no multiget was
      // needed. Xandikos answers address-data in sync-collection with 404: read by multiget.
      expect(sent.filter((s) => s.body.includes('addressbook-multiget'))).toHaveLength(kind === 'radicale' ? 0 : 1);
    });

    it('a run with no change sends one PROPFIND Depth 0 for the sync-token, without the getctag', async () => {
      expect(await run()).toMatchObject({ created: 0, updated: 0, deleted: 0 });
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ method: 'PROPFIND', depth: '0' });
      expect(sent[0]!.body).toContain('sync-token');
      expect(sent[0]!.body).not.toContain('getctag');
    });

    it('a change on the server is still noticed and carried to the CRM; its text comes with the sync-collection delta where the server gives it', async () => {
      const r = await getRaw(peer, hrefOf(2));
      await putRaw(peer, hrefOf(2), r.body.replace(/\r\nEND:VCARD/, '\r\nNOTE:edited on the phone\r\nEND:VCARD'), r.etag ? { 'if-match': r.etag } : {});
      expect(await run()).toMatchObject({ updated: 1, created: 0 });
      // PROPFIND, sync-collection (asking address-data), and on Xandikos a multiget (see above).
      expect(sent.map((s) => s.method)).toEqual(kind === 'radicale' ? ['PROPFIND', 'REPORT'] : ['PROPFIND', 'REPORT', 'REPORT']);
      expect(sent[1]!.body).toContain('sync-collection');
      expect(sent[1]!.body).toContain('address-data');
      expect((await contacts.get(w.t.ctx, ids[2]!)).note).toBe('edited on the phone');
      await run();
      expect(sent.map((s) => s.method)).toEqual(['PROPFIND']);
    });

    it('a CRM change is written with If-Match; the next run meets only its echo and writes nothing', async () => {
      await contacts.update(w.t.ctx, ids[3]!, { note: 'edited in the CRM' }, SYSTEM);
      expect(await run()).toMatchObject({ updated: 1, created: 0 });
      const puts = sent.filter((s) => s.method === 'PUT');
      expect(puts).toHaveLength(1);
      expect(puts[0]!.ifMatch).toBeTruthy();
      expect((await getRaw(peer, hrefOf(3))).body).toContain('edited in the CRM');
      expect(await run()).toMatchObject({ updated: 0, created: 0, deleted: 0 });
      expect(sent.map((s) => s.method)).toEqual(['PROPFIND', 'REPORT']);
      await run();
      expect(sent.map((s) => s.method)).toEqual(['PROPFIND']);
    });
  });
}
