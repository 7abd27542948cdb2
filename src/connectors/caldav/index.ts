// Connector for any CalDAV (RFC 4791) / CardDAV (RFC 6352) account: Radicale, Xandikos,
// Nextcloud, iCloud, mailbox.org, ... Discovery, changes, multiget reads and conditional writes
// live in their own modules; this file only wires them to the Connector interface.
import type { Unit } from '../../domain/records.js';
import type { Connector } from '../types.js';
import { collectionChanges } from './changes.js';
import { discoverCollections } from './discovery.js';
import { collectionUrl } from './hrefs.js';
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
  return {
    discover: () => discoverCollections(http, url),
    changes: (collection: string, unit: Unit, cursor: string | null) => collectionChanges(http, col(collection), unit, cursor),
    fetch: (collection, unit, refs) => fetchItems(ctx, col(collection), unit, refs),
    create: (collection, key, uid, crmId, payload) => createItem(ctx, col(collection), key, uid, crmId, payload),
    update: (_collection, item, payload) => updateItem(ctx, item, payload),
    delete: (_collection, item) => deleteItem(ctx, item),
  };
}
