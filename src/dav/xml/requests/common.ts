// Interpretation helpers shared by the per-method parsers: property selections, hrefs,
// text-match, time-range, limit. Each throws DavBadRequest with the RFC's precondition.

import { childrenNamed, firstChild, isElement, type XmlElement } from '../element.js';
import { DavBadRequest } from '../errors.js';
import { caldav, carddav, dav, qkey, type QName } from '../names.js';
import { parseUtcDateTime } from '../time.js';
import {
  COLLATIONS,
  MATCH_TYPES,
  type BoundedTimeRange,
  type Collation,
  type MatchType,
  type PropSelection,
  type ResultLimit,
  type TextMatch,
  type TimeRange,
} from './types.js';

/** Precondition elements the parsers report (RFC 4791 §7.8, RFC 6352 §8.6, RFC 3253 §3.6). */
export const PRECONDITION = {
  calValidFilter: caldav('valid-filter'),
  calSupportedFilter: caldav('supported-filter'),
  calSupportedCollation: caldav('supported-collation'),
  cardSupportedFilter: carddav('supported-filter'),
  cardSupportedCollation: carddav('supported-collation'),
  supportedReport: dav('supported-report'),
} as const;

export function expectRoot(root: XmlElement | null, expected: QName, method: string): XmlElement {
  if (root === null) throw new DavBadRequest(`${method} needs a request body with ${qkey(expected)}`);
  if (!isElement(root, expected)) {
    throw new DavBadRequest(`${method} body must be ${qkey(expected)}, not ${qkey(root)}`);
  }
  return root;
}

export function requireChild(parent: XmlElement, q: QName, precondition?: QName): XmlElement {
  const child = firstChild(parent, q);
  if (!child) throw new DavBadRequest(`${qkey(parent)} needs a ${qkey(q)} element`, precondition);
  return child;
}

export function atMostOne(parent: XmlElement, q: QName, precondition?: QName): XmlElement | undefined {
  const found = childrenNamed(parent, q);
  if (found.length > 1) throw new DavBadRequest(`${qkey(parent)} has more than one ${qkey(q)}`, precondition);
  return found[0];
}

const propNames = (el: XmlElement): QName[] => el.children.map((c) => ({ ns: c.ns, name: c.name }));

const DAV_PROP = dav('prop');
const DAV_ALLPROP = dav('allprop');
const DAV_PROPNAME = dav('propname');
const DAV_INCLUDE = dav('include');

/**
 * The property selection inside a propfind or report element (RFC 4918 §14.20:
 * `propname | (allprop, include?) | prop`), with the DAV:prop element itself when present so
 * that calendar-data / address-data options can be read from it. `undefined` when absent.
 */
export function readSelection(parent: XmlElement): { select: PropSelection; prop: XmlElement | undefined } | undefined {
  const prop = firstChild(parent, DAV_PROP);
  const allprop = firstChild(parent, DAV_ALLPROP);
  const propname = firstChild(parent, DAV_PROPNAME);
  const count = (prop ? 1 : 0) + (allprop ? 1 : 0) + (propname ? 1 : 0);
  if (count > 1) throw new DavBadRequest(`${qkey(parent)} may hold only one of DAV:prop, DAV:allprop, DAV:propname`);
  if (prop) {
    if (childrenNamed(parent, DAV_PROP).length > 1) throw new DavBadRequest(`${qkey(parent)} has more than one DAV:prop`);
    return { select: { type: 'prop', props: propNames(prop) }, prop };
  }
  if (allprop) {
    const include = firstChild(parent, DAV_INCLUDE);
    return { select: { type: 'allprop', include: include ? propNames(include) : [] }, prop: undefined };
  }
  if (propname) return { select: { type: 'propname' }, prop: undefined };
  return undefined;
}

/** DAV:href values (RFC 4918 §14.7), surrounding whitespace removed; an empty href is refused. */
export function readHrefs(parent: XmlElement): string[] {
  return childrenNamed(parent, dav('href')).map((h) => {
    const href = h.text.trim();
    if (href === '' || h.children.length > 0) throw new DavBadRequest('DAV:href must hold a non-empty URL');
    return href;
  });
}

/** `yes`/`no` attributes (negate-condition, novalue), with their default. */
export function yesNo(el: XmlElement, attr: string, fallback: boolean): boolean {
  const v = el.attrs[attr];
  if (v === undefined) return fallback;
  if (v === 'yes') return true;
  if (v === 'no') return false;
  throw new DavBadRequest(`${qkey(el)} attribute ${attr} must be "yes" or "no", not "${v}"`);
}

export function requiredName(el: XmlElement, precondition?: QName): string {
  const name = el.attrs.name;
  if (name === undefined || name.trim() === '') {
    throw new DavBadRequest(`${qkey(el)} needs a name attribute`, precondition);
  }
  return name.trim();
}

/**
 * CALDAV:text-match (RFC 4791 §9.7.5, default collation i;ascii-casemap, substring match) or
 * CARDDAV:text-match (RFC 6352 §10.5.4, default i;unicode-casemap, match-type default contains).
 */
export function readTextMatch(el: XmlElement, dialect: 'caldav' | 'carddav'): TextMatch {
  const collationPre = dialect === 'caldav' ? PRECONDITION.calSupportedCollation : PRECONDITION.cardSupportedCollation;
  const collation = el.attrs.collation ?? (dialect === 'caldav' ? 'i;ascii-casemap' : 'i;unicode-casemap');
  if (!(COLLATIONS as readonly string[]).includes(collation)) {
    throw new DavBadRequest(`collation "${collation}" is not supported; use one of ${COLLATIONS.join(', ')}`, collationPre, 403);
  }
  let matchType: MatchType = 'contains';
  if (dialect === 'carddav') {
    const mt = el.attrs['match-type'] ?? 'contains';
    if (!(MATCH_TYPES as readonly string[]).includes(mt)) {
      throw new DavBadRequest(`match-type "${mt}" is not one of ${MATCH_TYPES.join(', ')}`, PRECONDITION.cardSupportedFilter, 403);
    }
    matchType = mt as MatchType;
  }
  if (el.children.length > 0) throw new DavBadRequest(`${qkey(el)} holds text only`);
  return { text: el.text, collation: collation as Collation, matchType, negate: yesNo(el, 'negate-condition', false) };
}

/**
 * CALDAV:time-range (RFC 4791 §9.9): start and/or end as UTC date-times, end after start.
 * Invalid ranges violate CALDAV:valid-filter (§7.8 preconditions).
 */
export function readTimeRange(el: XmlElement, precondition: QName | undefined = PRECONDITION.calValidFilter): TimeRange {
  const start = readInstant(el, 'start', precondition);
  const end = readInstant(el, 'end', precondition);
  if (start === undefined && end === undefined) {
    throw new DavBadRequest(`${qkey(el)} needs a start or an end attribute`, precondition);
  }
  if (start !== undefined && end !== undefined && end <= start) {
    throw new DavBadRequest(`${qkey(el)} end must be after start`, precondition);
  }
  return { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };
}

/** expand / limit-recurrence-set / limit-freebusy-set (RFC 4791 §9.6.5–9.6.7): both bounds required. */
export function readBoundedRange(el: XmlElement): BoundedTimeRange {
  const range = readTimeRange(el, undefined);
  if (range.start === undefined || range.end === undefined) {
    throw new DavBadRequest(`${qkey(el)} needs both start and end attributes`);
  }
  return { start: range.start, end: range.end };
}

function readInstant(el: XmlElement, attr: 'start' | 'end', precondition: QName | undefined): number | undefined {
  const v = el.attrs[attr];
  if (v === undefined) return undefined;
  const ms = parseUtcDateTime(v.trim());
  if (ms === undefined) {
    throw new DavBadRequest(`${qkey(el)} ${attr}="${v}" is not a UTC date-time like 20060104T000000Z`, precondition);
  }
  return ms;
}

/** DAV:limit / CARDDAV:limit holding nresults (RFC 5323 §5.17): a positive integer. */
export function readLimit(el: XmlElement, ns: string): ResultLimit {
  const n = firstChild(el, { ns, name: 'nresults' });
  const text = n?.text.trim() ?? '';
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) === 0) {
    throw new DavBadRequest(`${qkey(el)} needs an nresults element holding a positive integer`);
  }
  return { nresults: Number(text) };
}

