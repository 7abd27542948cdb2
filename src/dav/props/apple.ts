// Apple/calendarserver properties clients rely on: CS:getctag (a collection's change tag, the
// same revision as its sync-token), ICAL:calendar-color and ICAL:calendar-order (PROPPATCH-able).
import { NS, qname } from '../xml/index.js';
import { syncToken } from './rfc6578.js';
import { isCalendar, isCollection, storedProps, text, type PropDef } from './types.js';

export const APPLE_PROPS: readonly PropDef[] = [
  { name: qname(NS.CALSERVER, 'getctag'), allprop: false, applies: isCollection, get: (t) => (t.type === 'collection' ? text(syncToken(t.col)) : null) },
  {
    name: qname(NS.APPLE_ICAL, 'calendar-color'),
    allprop: false,
    applies: isCalendar,
    get: (t) => {
      const v = t.type === 'collection' ? storedProps(t.col).color : undefined;
      return v === undefined ? null : text(v);
    },
    writable: { key: 'color', read: (el) => el.text.trim() },
  },
  {
    name: qname(NS.APPLE_ICAL, 'calendar-order'),
    allprop: false,
    applies: isCalendar,
    get: (t) => {
      const v = t.type === 'collection' ? storedProps(t.col).order : undefined;
      return v === undefined ? null : text(v);
    },
    writable: { key: 'order', read: (el) => el.text.trim() },
  },
];
