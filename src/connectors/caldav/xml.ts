// Request bodies the connector sends and the 207 Multi-Status it reads back (RFC 4918 §13).
// Responses are read with the DAV server's XML reader (src/dav/xml): no DTDs, no entities,
// bounded depth. Limits are wider than for request bodies: a listing of a large collection is
// legitimately big.
import { childrenNamed, firstChild, qkey, readXml, textContent, NS, type XmlElement } from '../../dav/xml/index.js';

const RESPONSE_LIMITS = { maxDepth: 32, maxElements: 5_000_000, maxAttributeLength: 8_192 };

const D = (name: string) => ({ ns: NS.DAV, name });

/** Clark keys of the properties we read. */
export const P = {
  resourcetype: qkey(D('resourcetype')),
  displayname: qkey(D('displayname')),
  getetag: qkey(D('getetag')),
  synctoken: qkey(D('sync-token')),
  supportedReports: qkey(D('supported-report-set')),
  principal: qkey(D('current-user-principal')),
  getctag: qkey({ ns: NS.CALSERVER, name: 'getctag' }),
  calendarHome: qkey({ ns: NS.CALDAV, name: 'calendar-home-set' }),
  addressbookHome: qkey({ ns: NS.CARDDAV, name: 'addressbook-home-set' }),
  components: qkey({ ns: NS.CALDAV, name: 'supported-calendar-component-set' }),
  calendarData: qkey({ ns: NS.CALDAV, name: 'calendar-data' }),
  addressData: qkey({ ns: NS.CARDDAV, name: 'address-data' }),
} as const;

const PREFIXES = `xmlns:D="DAV:" xmlns:C="${NS.CALDAV}" xmlns:CR="${NS.CARDDAV}" xmlns:CS="${NS.CALSERVER}"`;

/** Property names in the prefixes of PREFIXES, e.g. "D:getetag". */
export type PropName = `${'D' | 'C' | 'CR' | 'CS'}:${string}`;

const propList = (props: readonly PropName[]) => `<D:prop>${props.map((p) => `<${p}/>`).join('')}</D:prop>`;

export function propfindBody(props: readonly PropName[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<D:propfind ${PREFIXES}>${propList(props)}</D:propfind>`;
}

/**
 * RFC 6578 §3.2; an empty token asks for the initial full listing. `data` adds the items' text
 * (CARDDAV:address-data, CALDAV:calendar-data), which §3.2 allows like any other property.
 */
export function syncCollectionBody(token: string, data: 'CR:address-data' | 'C:calendar-data' | null = null): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<D:sync-collection ${PREFIXES}><D:sync-token>${escape(token)}</D:sync-token>`
    + `<D:sync-level>1</D:sync-level>${propList(data ? ['D:getetag', data] : ['D:getetag'])}</D:sync-collection>`;
}

/** RFC 4791 §7.9 calendar-multiget, RFC 6352 §8.7 addressbook-multiget. */
export function multigetBody(kind: 'calendar' | 'addressbook', paths: readonly string[]): string {
  const [root, data] = kind === 'calendar' ? ['C:calendar-multiget', 'C:calendar-data'] : ['CR:addressbook-multiget', 'CR:address-data'];
  const hrefs = paths.map((p) => `<D:href>${escape(p)}</D:href>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>\n<${root} ${PREFIXES}><D:prop><D:getetag/><${data}/></D:prop>${hrefs}</${root}>`;
}

/** RFC 4791 §7.8 calendar-query listing only the items of one component type (etags, no data). */
export function componentQueryBody(component: 'VEVENT' | 'VTODO'): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<C:calendar-query ${PREFIXES}>${propList(['D:getetag'])}`
    + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="${component}"/></C:comp-filter></C:filter></C:calendar-query>`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One DAV:response: its href, its own status (deleted members, failed hrefs) and its found properties. */
export interface MultistatusEntry {
  href: string;
  /** The response-level status (RFC 4918 §14.24), null when it has propstats instead. */
  status: number | null;
  /** Properties reported with a 2xx propstat, by Clark key. */
  props: Map<string, XmlElement>;
}

export interface Multistatus {
  entries: MultistatusEntry[];
  /** RFC 6578 §6.2: the new token of a sync-collection report. */
  syncToken: string | null;
}

export function parseMultistatus(body: string): Multistatus {
  const root = readXml(body, RESPONSE_LIMITS);
  if (!root || root.ns !== NS.DAV || root.name !== 'multistatus') throw new Error('expected a DAV:multistatus body');
  const entries: MultistatusEntry[] = [];
  for (const r of childrenNamed(root, D('response'))) {
    const href = firstChild(r, D('href'));
    if (!href) continue;
    const status = firstChild(r, D('status'));
    const props = new Map<string, XmlElement>();
    for (const ps of childrenNamed(r, D('propstat'))) {
      const code = statusCode(firstChild(ps, D('status')));
      const prop = firstChild(ps, D('prop'));
      if (code === null || code < 200 || code > 299 || !prop) continue;
      for (const p of prop.children) props.set(qkey(p), p);
    }
    entries.push({ href: textContent(href).trim(), status: status ? statusCode(status) : null, props });
  }
  const token = firstChild(root, D('sync-token'));
  return { entries, syncToken: token ? textContent(token).trim() : null };
}

/** "HTTP/1.1 404 Not Found" → 404. */
function statusCode(el: XmlElement | undefined): number | null {
  const m = el ? /^\s*HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(textContent(el)) : null;
  return m ? Number(m[1]) : null;
}

export const text = (el: XmlElement | undefined): string | null => (el ? textContent(el).trim() : null);

/** The first DAV:href inside a property (current-user-principal, *-home-set). */
export function hrefIn(el: XmlElement | undefined): string | null {
  const href = el ? firstChild(el, D('href')) : undefined;
  return href ? textContent(href).trim() || null : null;
}

export const hasChild = (el: XmlElement | undefined, ns: string, name: string): boolean =>
  !!el && el.children.some((c) => c.ns === ns && c.name === name);

/** Names of the reports in a DAV:supported-report-set (RFC 3253 §3.1.5). */
export function reportNames(el: XmlElement | undefined): Set<string> {
  const names = new Set<string>();
  for (const sr of el ? childrenNamed(el, D('supported-report')) : []) {
    const report = firstChild(sr, D('report'));
    // Xandikos puts the report element directly in DAV:supported-report, without DAV:report.
    for (const r of (report ?? sr).children) names.add(qkey(r));
  }
  return names;
}
