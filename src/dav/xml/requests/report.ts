// REPORT bodies, discriminated by their root element (RFC 3253 §3.6).

import type { XmlElement } from '../element.js';
import { DavBadRequest } from '../errors.js';
import { NS, qkey } from '../names.js';
import { interpretAddressbookMultiget, interpretAddressbookQuery } from './carddav.js';
import { interpretCalendarMultiget, interpretCalendarQuery, interpretFreeBusyQuery } from './caldav.js';
import { PRECONDITION } from './common.js';
import { interpretSyncCollection } from './sync.js';
import type { ReportRequest } from './types.js';

/** Reports known by name that crmsync does not implement; the server answers 403 supported-report. */
const KNOWN_UNSUPPORTED = new Set([
  qkey({ ns: NS.DAV, name: 'expand-property' }), // RFC 3253 §3.8
  qkey({ ns: NS.DAV, name: 'version-tree' }), // RFC 3253 §3.7
  qkey({ ns: NS.DAV, name: 'acl-principal-prop-set' }), // RFC 3744 §9.2
  qkey({ ns: NS.DAV, name: 'principal-match' }), // RFC 3744 §9.3
  qkey({ ns: NS.DAV, name: 'principal-property-search' }), // RFC 3744 §9.4
  qkey({ ns: NS.DAV, name: 'principal-search-property-set' }), // RFC 3744 §9.5
]);

export function interpretReport(root: XmlElement | null): ReportRequest {
  if (root === null) throw new DavBadRequest('REPORT needs a request body');
  const key = qkey(root);
  switch (key) {
    case `{${NS.CALDAV}}calendar-query`:
      return interpretCalendarQuery(root);
    case `{${NS.CALDAV}}calendar-multiget`:
      return interpretCalendarMultiget(root);
    case `{${NS.CALDAV}}free-busy-query`:
      return interpretFreeBusyQuery(root);
    case `{${NS.CARDDAV}}addressbook-query`:
      return interpretAddressbookQuery(root);
    case `{${NS.CARDDAV}}addressbook-multiget`:
      return interpretAddressbookMultiget(root);
    case `{${NS.DAV}}sync-collection`:
      return interpretSyncCollection(root);
    default:
      if (KNOWN_UNSUPPORTED.has(key)) return { type: 'unsupported', root: { ns: root.ns, name: root.name } };
      throw new DavBadRequest(`unknown REPORT ${key}`, PRECONDITION.supportedReport, 403);
  }
}
