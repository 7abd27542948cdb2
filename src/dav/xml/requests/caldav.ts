// CalDAV REPORT bodies (RFC 4791 §7.8 calendar-query, §7.9 calendar-multiget,
// §7.10 free-busy-query) and the CALDAV:calendar-data request element (§9.6).

import { childrenNamed, firstChild, type XmlElement } from '../element.js';
import { DavBadRequest } from '../errors.js';
import { caldav, NS, qkey } from '../names.js';
import {
  atMostOne,
  PRECONDITION,
  readBoundedRange,
  readHrefs,
  readSelection,
  readTextMatch,
  readTimeRange,
  requiredName,
  requireChild,
  yesNo,
} from './common.js';
import type {
  CalendarDataRequest,
  CalendarMultiget,
  CalendarPropFilter,
  CalendarQuery,
  CompFilter,
  CompSelection,
  FreeBusyQuery,
  ParamFilter,
  PropSelection,
} from './types.js';

const C = {
  calendarData: caldav('calendar-data'),
  comp: caldav('comp'),
  prop: caldav('prop'),
  allprop: caldav('allprop'),
  allcomp: caldav('allcomp'),
  expand: caldav('expand'),
  limitRecurrenceSet: caldav('limit-recurrence-set'),
  limitFreebusySet: caldav('limit-freebusy-set'),
  filter: caldav('filter'),
  compFilter: caldav('comp-filter'),
  propFilter: caldav('prop-filter'),
  paramFilter: caldav('param-filter'),
  isNotDefined: caldav('is-not-defined'),
  textMatch: caldav('text-match'),
  timeRange: caldav('time-range'),
  timezone: caldav('timezone'),
  timezoneId: caldav('timezone-id'),
} as const;

const NO_PROPS: PropSelection = { type: 'prop', props: [] };

/** RFC 4791 §7.9: `(DAV:allprop | DAV:propname | DAV:prop)?, DAV:href+`. */
export function interpretCalendarMultiget(root: XmlElement): CalendarMultiget {
  const found = readSelection(root);
  const hrefs = readHrefs(root);
  if (hrefs.length === 0) throw new DavBadRequest('CALDAV:calendar-multiget needs at least one DAV:href');
  return { type: 'calendar-multiget', select: found?.select ?? NO_PROPS, calendarData: calendarDataIn(found?.prop), hrefs };
}

/** RFC 4791 §9.5: `(DAV:allprop | DAV:propname | DAV:prop)?, filter, timezone?`. */
export function interpretCalendarQuery(root: XmlElement): CalendarQuery {
  const found = readSelection(root);
  const filterEl = requireChild(root, C.filter, PRECONDITION.calValidFilter);
  atMostOne(root, C.filter, PRECONDITION.calValidFilter);
  const comps = childrenNamed(filterEl, C.compFilter);
  // §9.7: the filter holds exactly one comp-filter, and it names VCALENDAR.
  if (comps.length !== 1) {
    throw new DavBadRequest('CALDAV:filter must hold exactly one CALDAV:comp-filter', PRECONDITION.calValidFilter);
  }
  const filter = readCompFilter(comps[0]!);
  if (filter.name !== 'VCALENDAR') {
    throw new DavBadRequest(`the top CALDAV:comp-filter must name VCALENDAR, not ${filter.name}`, PRECONDITION.calValidFilter);
  }
  return {
    type: 'calendar-query',
    select: found?.select ?? NO_PROPS,
    calendarData: calendarDataIn(found?.prop),
    filter,
    timezone: readTimezone(root),
  };
}

/** RFC 4791 §7.10: `time-range`. */
export function interpretFreeBusyQuery(root: XmlElement): FreeBusyQuery {
  const tr = requireChild(root, C.timeRange);
  return { type: 'free-busy-query', timeRange: readTimeRange(tr, undefined) };
}

/** The calendar-data options inside a DAV:prop, if it asks for calendar-data. */
export function calendarDataIn(prop: XmlElement | undefined): CalendarDataRequest | null {
  const el = prop && firstChild(prop, C.calendarData);
  return el ? readCalendarData(el) : null;
}

/** RFC 4791 §9.6: `(comp?, (expand | limit-recurrence-set)?, limit-freebusy-set?)`. */
function readCalendarData(el: XmlElement): CalendarDataRequest {
  const comp = atMostOne(el, C.comp);
  const expand = atMostOne(el, C.expand);
  const limit = atMostOne(el, C.limitRecurrenceSet);
  const freebusy = atMostOne(el, C.limitFreebusySet);
  if (expand && limit) throw new DavBadRequest('CALDAV:calendar-data may hold expand or limit-recurrence-set, not both');
  return {
    contentType: el.attrs['content-type'] ?? 'text/calendar',
    version: el.attrs.version ?? '2.0',
    comp: comp ? readCompSelection(comp) : null,
    recurrence: expand
      ? { type: 'expand', range: readBoundedRange(expand) }
      : limit
        ? { type: 'limit-recurrence-set', range: readBoundedRange(limit) }
        : null,
    limitFreebusySet: freebusy ? readBoundedRange(freebusy) : null,
  };
}

/** RFC 4791 §9.6.1: `comp` holds `(allprop | prop*), (allcomp | comp*)`. */
function readCompSelection(el: XmlElement): CompSelection {
  const name = requiredName(el);
  const props = firstChild(el, C.allprop)
    ? null
    : childrenNamed(el, C.prop).map((p) => ({ name: requiredName(p), novalue: yesNo(p, 'novalue', false) }));
  const comps = firstChild(el, C.allcomp) ? null : childrenNamed(el, C.comp).map(readCompSelection);
  return { name, props, comps };
}

/** RFC 4791 §9.7.1: `(is-not-defined | (time-range?, prop-filter*, comp-filter*))`. */
function readCompFilter(el: XmlElement): CompFilter {
  const name = requiredName(el, PRECONDITION.calValidFilter).toUpperCase();
  if (firstChild(el, C.isNotDefined)) {
    rejectBesides(el, C.isNotDefined.name);
    return { type: 'is-not-defined', name };
  }
  const tr = atMostOne(el, C.timeRange, PRECONDITION.calValidFilter);
  return {
    type: 'match',
    name,
    timeRange: tr ? readTimeRange(tr) : null,
    propFilters: childrenNamed(el, C.propFilter).map(readPropFilter),
    compFilters: childrenNamed(el, C.compFilter).map(readCompFilter),
  };
}

/** RFC 4791 §9.7.2: `(is-not-defined | ((time-range | text-match)?, param-filter*))`. */
function readPropFilter(el: XmlElement): CalendarPropFilter {
  const name = requiredName(el, PRECONDITION.calValidFilter).toUpperCase();
  if (firstChild(el, C.isNotDefined)) {
    rejectBesides(el, C.isNotDefined.name);
    return { type: 'is-not-defined', name };
  }
  const tr = atMostOne(el, C.timeRange, PRECONDITION.calValidFilter);
  const tm = atMostOne(el, C.textMatch, PRECONDITION.calValidFilter);
  if (tr && tm) {
    throw new DavBadRequest(`CALDAV:prop-filter ${name} may hold a time-range or a text-match, not both`, PRECONDITION.calValidFilter);
  }
  return {
    type: 'match',
    name,
    timeRange: tr ? readTimeRange(tr) : null,
    textMatch: tm ? readTextMatch(tm, 'caldav') : null,
    paramFilters: childrenNamed(el, C.paramFilter).map(readParamFilter),
  };
}

/** RFC 4791 §9.7.3: `(is-not-defined | text-match)?`. */
function readParamFilter(el: XmlElement): ParamFilter {
  const name = requiredName(el, PRECONDITION.calValidFilter).toUpperCase();
  if (firstChild(el, C.isNotDefined)) {
    rejectBesides(el, C.isNotDefined.name);
    return { type: 'is-not-defined', name };
  }
  const tm = atMostOne(el, C.textMatch, PRECONDITION.calValidFilter);
  return { type: 'match', name, textMatch: tm ? readTextMatch(tm, 'caldav') : null };
}

/** is-not-defined excludes every other CalDAV filter element beside it. */
function rejectBesides(el: XmlElement, only: string): void {
  const other = el.children.find((c) => c.ns === NS.CALDAV && c.name !== only);
  if (other) {
    throw new DavBadRequest(`${qkey(el)} may not hold ${qkey(other)} next to is-not-defined`, PRECONDITION.calValidFilter);
  }
}

/** CALDAV:timezone (RFC 4791 §9.8) or CALDAV:timezone-id (RFC 7809 §5.2). */
function readTimezone(root: XmlElement): CalendarQuery['timezone'] {
  const vtz = atMostOne(root, C.timezone);
  const id = atMostOne(root, C.timezoneId);
  if (vtz && id) throw new DavBadRequest('CALDAV:calendar-query may hold timezone or timezone-id, not both');
  if (vtz) return { type: 'vtimezone', text: vtz.text };
  if (id) return { type: 'id', id: id.text.trim() };
  return null;
}
