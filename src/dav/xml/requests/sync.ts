// DAV:sync-collection REPORT bodies (RFC 6578 §3.2, §6.1):
// `sync-token, sync-level, limit?, prop`.

import type { XmlElement } from '../element.js';
import { DavBadRequest } from '../errors.js';
import { dav, NS } from '../names.js';
import { atMostOne, readLimit, readSelection, requireChild } from './common.js';
import { addressDataIn } from './carddav.js';
import { calendarDataIn } from './caldav.js';
import type { SyncCollection } from './types.js';

export function interpretSyncCollection(root: XmlElement): SyncCollection {
  const token = requireChild(root, dav('sync-token'));
  atMostOne(root, dav('sync-token'));
  const level = requireChild(root, dav('sync-level')).text.trim();
  if (level !== '1' && level !== 'infinite') {
    throw new DavBadRequest(`DAV:sync-level must be 1 or infinite, not "${level}"`);
  }
  const limit = atMostOne(root, dav('limit'));
  const found = readSelection(root);
  if (!found) throw new DavBadRequest('DAV:sync-collection needs a DAV:prop element');
  return {
    type: 'sync-collection',
    syncToken: token.text.trim(),
    syncLevel: level,
    limit: limit ? readLimit(limit, NS.DAV) : null,
    select: found.select,
    calendarData: calendarDataIn(found.prop),
    addressData: addressDataIn(found.prop),
  };
}
