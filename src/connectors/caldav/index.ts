// Connector for any CalDAV (RFC 4791) / CardDAV (RFC 6352) account: Radicale, Xandikos,
// Nextcloud, iCloud, mailbox.org, ... Discovery, changes, multiget reads and conditional writes
// live in their own modules; this file only wires them to the Connector interface.
import type { Unit } from '../../domain/records.js';
import type { Connector } from '../types.js';
import { collectionChanges, type ListedText } from './changes.js';
import { discoverCollections } from './discovery.js';
import { collectionUrl, memberUrl } from './hrefs.js';
import { DavHttp } from './http.js';
import { createItem, deleteItem, fetchItems, updateItem, type ItemContext } from './items.js';
import { defaultDirectory, type AttendeeDirectory } from './mapping.js';

export { defaultDirectory, type AttendeeDirectory } from './mapping.js';
export { retryAfterSeconds } from './classify.js';

export interface CalDavConnectorOptions {
  /** Server or account URL (e.g. https://cloud.example.com, https://dav.example.com/user/). */
  url: string;
  username: string;
  password: string;
  /** Injected fetch (tests, proxies); default: Node's built-in fetch. */
  fetch?: typeof globalThis.fetch;
  /** Per request, body included; on expiry the request fails as 'transient' (L4). Default 30 s. */
  timeoutMs?: number;
  /** Resolves ATTENDEEs to CRM people and back; default: urn:x-crmsync: addresses only. */
  directory?: AttendeeDirectory;
  /** Clock for DTSTAMP/REV of written items. */
  now?: () => number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export function createCalDavConnector(opts: CalDavConnectorOptions): Connector {
  const url = new URL(opts.url).href;
  const http = new DavHttp({
    username: opts.username,
    password: opts.password,
    fetch: opts.fetch ?? globalThis.fetch,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    origin: new URL(url).origin,
  });
  const ctx: ItemContext = { http, directory: opts.directory ?? defaultDirectory, now: opts.now ?? Date.now };
  const col = (collection: string) => collectionUrl(collection, url);
  // Texts of the items the last changes() listed (changes.ts): fetch() reads them from here. An
  // item this connector writes afterwards is read from the server again.
  let listed = new Map<string, ListedText>();
  return {
    discover: () => discoverCollections(http, url),
    changes: async (collection: string, unit: Unit, cursor: string | null) => {
      listed = new Map();
      const found = await collectionChanges(http, col(collection), unit, cursor);
      listed = found.texts;
      return found.set;
    },
    fetch: (collection, unit, refs) => fetchItems(ctx, col(collection), unit, refs, listed),
    create: (collection, key, uid, crmId, payload) => {
      listed.delete(memberUrl(col(collection), key, payload.unit === 'contacts' ? 'vcf' : 'ics'));
      return createItem(ctx, col(collection), key, uid, crmId, payload);
    },
    update: (_collection, item, payload) => {
      listed.delete(item.ref);
      return updateItem(ctx, item, payload);
    },
    delete: (_collection, item) => {
      listed.delete(item.ref);
      return deleteItem(ctx, item);
    },
  };
}
