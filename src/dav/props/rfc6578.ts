// RFC 6578 §4 DAV:sync-token on collections. A token names the collection and the revision of
// its per-user set (crm/syncSets.ts): `http://crmsync/ns/sync/<collectionId>/<revision>`.
import { dav } from '../xml/index.js';
import type { DavCollection } from '../resources.js';
import { isCollection, text, type PropDef } from './types.js';

const TOKEN_PREFIX = 'http://crmsync/ns/sync/';

export function syncToken(col: DavCollection, revision = col.collection.revision): string {
  return `${TOKEN_PREFIX}${col.collection.id}/${revision}`;
}

/** The revision a token names for this collection, or null when it is not one of its tokens. */
export function parseSyncToken(col: DavCollection, token: string): number | null {
  const prefix = `${TOKEN_PREFIX}${col.collection.id}/`;
  if (!token.startsWith(prefix)) return null;
  const rest = token.slice(prefix.length);
  return /^(0|[1-9][0-9]{0,15})$/.test(rest) ? Number(rest) : null;
}

export const RFC6578_PROPS: readonly PropDef[] = [
  { name: dav('sync-token'), allprop: false, applies: isCollection, get: (t) => (t.type === 'collection' ? text(syncToken(t.col)) : null) },
];
