// Typed ASTs of DAV request bodies. Every union is closed and discriminated by `type`, so a
// handler's `switch` fails to compile when a case is added and not handled.
// Instants are epoch milliseconds (UTC), as everywhere in crmsync.

import type { XmlElement } from '../element.js';
import type { QName } from '../names.js';

// ---------------------------------------------------------------------------------------------
// PROPFIND (RFC 4918 §9.1, §14.20) and the property selection REPORTs share.

/** Which properties a PROPFIND or REPORT asks for. */
export type PropSelection =
  | { readonly type: 'prop'; readonly props: readonly QName[] }
  | { readonly type: 'allprop'; readonly include: readonly QName[] }
  | { readonly type: 'propname' };

/** RFC 4918 §9.1: an empty body is an allprop request. */
export type PropfindRequest = PropSelection;

// ---------------------------------------------------------------------------------------------
// PROPPATCH (RFC 4918 §9.2, §14.19): instructions in document order.

export type ProppatchOperation =
  /** `value` is the property element itself, attributes (xml:lang) and content kept exactly. */
  | { readonly type: 'set'; readonly prop: QName; readonly value: XmlElement }
  | { readonly type: 'remove'; readonly prop: QName };

export interface ProppatchRequest {
  readonly operations: readonly ProppatchOperation[];
}

// ---------------------------------------------------------------------------------------------
// MKCOL (RFC 5689 §5.1) and MKCALENDAR (RFC 4791 §5.3.1) bodies.

export interface MkcolRequest {
  readonly method: 'MKCOL' | 'MKCALENDAR';
  /** The properties to set on the new collection (empty for a body-less request). */
  readonly set: readonly { readonly prop: QName; readonly value: XmlElement }[];
  /** The DAV:resourcetype asked for in an extended MKCOL, e.g. {DAV:}collection + {carddav}addressbook. */
  readonly resourceTypes: readonly QName[];
}

// ---------------------------------------------------------------------------------------------
// Shared filter pieces.

/** RFC 4790 collations named by CalDAV (RFC 4791 §7.5) and CardDAV (RFC 6352 §8.3). */
export type Collation = 'i;ascii-casemap' | 'i;unicode-casemap' | 'i;octet';
export const COLLATIONS: readonly Collation[] = ['i;ascii-casemap', 'i;unicode-casemap', 'i;octet'];

/** RFC 6352 §10.5.4; CalDAV text-match is always a substring match (RFC 4791 §9.7.5). */
export type MatchType = 'equals' | 'contains' | 'starts-with' | 'ends-with';
export const MATCH_TYPES: readonly MatchType[] = ['equals', 'contains', 'starts-with', 'ends-with'];

export interface TextMatch {
  readonly text: string;
  readonly collation: Collation;
  readonly matchType: MatchType;
  readonly negate: boolean;
}

/** A half-open UTC interval; an absent bound is unbounded (RFC 4791 §9.9). Epoch ms. */
export interface TimeRange {
  readonly start?: number;
  readonly end?: number;
}

/** A bounded UTC interval (expand, limit-recurrence-set, limit-freebusy-set: both required). */
export interface BoundedTimeRange {
  readonly start: number;
  readonly end: number;
}

/** `{CARDDAV,CALDAV}:limit` (RFC 6352 §10.6, RFC 6578 §6.3 via RFC 5323 §5.17). */
export interface ResultLimit {
  readonly nresults: number;
}

// ---------------------------------------------------------------------------------------------
// CalDAV (RFC 4791).

/** CALDAV:calendar-data in a prop list (RFC 4791 §9.6). */
export interface CalendarDataRequest {
  readonly contentType: string;
  readonly version: string;
  /** Which components and properties to return; null for the whole object (§9.6.1). */
  readonly comp: CompSelection | null;
  /** §9.6.5 expand / §9.6.6 limit-recurrence-set; null for neither. */
  readonly recurrence:
    | { readonly type: 'expand'; readonly range: BoundedTimeRange }
    | { readonly type: 'limit-recurrence-set'; readonly range: BoundedTimeRange }
    | null;
  /** §9.6.7 limit-freebusy-set. */
  readonly limitFreebusySet: BoundedTimeRange | null;
}

/**
 * CALDAV:comp in calendar-data (§9.6.1–9.6.4). `props`/`comps` null means allprop/allcomp.
 * Empty lists are kept as sent: §7.8.1's example returns `<C:comp name="VTIMEZONE"/>` whole,
 * so what an empty comp means is the server's reading, not the parser's.
 */
export interface CompSelection {
  readonly name: string;
  readonly props: readonly { readonly name: string; readonly novalue: boolean }[] | null;
  readonly comps: readonly CompSelection[] | null;
}

/** CALDAV:comp-filter (§9.7.1). */
export type CompFilter =
  | { readonly type: 'is-not-defined'; readonly name: string }
  | {
      readonly type: 'match';
      readonly name: string;
      readonly timeRange: TimeRange | null;
      readonly propFilters: readonly CalendarPropFilter[];
      readonly compFilters: readonly CompFilter[];
    };

/** CALDAV:prop-filter (§9.7.2): a time-range or a text-match, plus parameter filters. */
export type CalendarPropFilter =
  | { readonly type: 'is-not-defined'; readonly name: string }
  | {
      readonly type: 'match';
      readonly name: string;
      readonly timeRange: TimeRange | null;
      readonly textMatch: TextMatch | null;
      readonly paramFilters: readonly ParamFilter[];
    };

/** CALDAV:param-filter (§9.7.3) and CARDDAV:param-filter (RFC 6352 §10.5.2). */
export type ParamFilter =
  | { readonly type: 'is-not-defined'; readonly name: string }
  | { readonly type: 'match'; readonly name: string; readonly textMatch: TextMatch | null };

export interface CalendarMultiget {
  readonly type: 'calendar-multiget';
  readonly select: PropSelection;
  readonly calendarData: CalendarDataRequest | null;
  readonly hrefs: readonly string[];
}

export interface CalendarQuery {
  readonly type: 'calendar-query';
  readonly select: PropSelection;
  readonly calendarData: CalendarDataRequest | null;
  /** The VCALENDAR comp-filter (§9.7: the filter holds exactly one). */
  readonly filter: CompFilter;
  /** CALDAV:timezone (§9.8), an iCalendar VTIMEZONE object, or RFC 7809 timezone-id. */
  readonly timezone: { readonly type: 'vtimezone'; readonly text: string } | { readonly type: 'id'; readonly id: string } | null;
}

export interface FreeBusyQuery {
  readonly type: 'free-busy-query';
  readonly timeRange: TimeRange;
}

// ---------------------------------------------------------------------------------------------
// CardDAV (RFC 6352).

/** CARDDAV:address-data in a prop list (§10.4). `props` null means all properties. */
export interface AddressDataRequest {
  readonly contentType: string;
  readonly version: string;
  readonly props: readonly { readonly name: string; readonly novalue: boolean }[] | null;
}

/** CARDDAV:prop-filter (§10.5.1). */
export type AddressPropFilter =
  | { readonly type: 'is-not-defined'; readonly name: string }
  | {
      readonly type: 'match';
      readonly name: string;
      readonly test: 'anyof' | 'allof';
      readonly textMatches: readonly TextMatch[];
      readonly paramFilters: readonly ParamFilter[];
    };

export interface AddressbookFilter {
  readonly test: 'anyof' | 'allof';
  readonly propFilters: readonly AddressPropFilter[];
}

export interface AddressbookMultiget {
  readonly type: 'addressbook-multiget';
  readonly select: PropSelection;
  readonly addressData: AddressDataRequest | null;
  readonly hrefs: readonly string[];
}

export interface AddressbookQuery {
  readonly type: 'addressbook-query';
  readonly select: PropSelection;
  readonly addressData: AddressDataRequest | null;
  readonly filter: AddressbookFilter;
  readonly limit: ResultLimit | null;
}

// ---------------------------------------------------------------------------------------------
// Collection synchronisation (RFC 6578).

export interface SyncCollection {
  readonly type: 'sync-collection';
  /** '' on the initial request (§3.2: an empty DAV:sync-token element). Validity is the server's call. */
  readonly syncToken: string;
  readonly syncLevel: '1' | 'infinite';
  readonly limit: ResultLimit | null;
  readonly select: PropSelection;
  /** Set when the prop list asks for calendar-data / address-data (clients do, e.g. DAVx5). */
  readonly calendarData: CalendarDataRequest | null;
  readonly addressData: AddressDataRequest | null;
}

/** A report this server knows of but does not implement (e.g. RFC 3253 §3.8 expand-property). */
export interface UnsupportedReport {
  readonly type: 'unsupported';
  readonly root: QName;
}

export type ReportRequest =
  | CalendarMultiget
  | CalendarQuery
  | FreeBusyQuery
  | AddressbookMultiget
  | AddressbookQuery
  | SyncCollection
  | UnsupportedReport;
