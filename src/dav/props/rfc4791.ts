// RFC 4791 (CalDAV) properties: §6.2 principal properties, §5.2 collection properties, §9.6
// calendar-data (computed per request: expand, limit-recurrence-set, partial comp selection).
import { caldav, xmlElement } from '../xml/index.js';
import { hrefs } from '../paths.js';
import { shapeCalendarData } from '../query/calendarData.js';
import { renderedOf } from './rendered.js';
import { elements, hrefsValue, isCalendar, text, type PropDef } from './types.js';

export const RFC4791_PROPS: readonly PropDef[] = [
  {
    name: caldav('calendar-home-set'),
    allprop: false,
    applies: (t) => t.type === 'principal',
    get: (_t, env) => hrefsValue(hrefs.home('calendars', env.identity.user.username)),
  },
  {
    // §6.2.1 of RFC 6638: how the user appears in ATTENDEE lines.
    name: caldav('calendar-user-address-set'),
    allprop: false,
    applies: (t) => t.type === 'principal',
    get: (_t, env) => {
      const u = env.identity.user;
      return hrefsValue(...(u.email ? [`mailto:${u.email}`] : []), hrefs.principal(u.username));
    },
  },
  {
    name: caldav('supported-calendar-component-set'),
    allprop: true,
    applies: isCalendar,
    get: (t) => (t.type === 'collection' ? elements(xmlElement(caldav('comp'), { attrs: { name: t.col.component ?? 'VEVENT' } })) : null),
  },
  {
    name: caldav('supported-calendar-data'),
    allprop: false,
    applies: isCalendar,
    get: () => elements(xmlElement(caldav('calendar-data'), { attrs: { 'content-type': 'text/calendar', version: '2.0' } })),
  },
  { name: caldav('max-resource-size'), allprop: false, applies: isCalendar, get: (_t, env) => text(String(env.state.limits.maxResourceBytes)) },
  { name: caldav('max-instances'), allprop: false, applies: isCalendar, get: (_t, env) => text(String(env.state.limits.maxInstancesPerObject)) },
  {
    name: caldav('calendar-data'),
    allprop: false,
    applies: (t) => t.type === 'item' && t.col.home === 'calendars',
    get: (t, env) => {
      if (t.type !== 'item' || t.item.data.unit === 'contacts') return null;
      const body = renderedOf(t, env).body;
      return text(env.calendarData ? shapeCalendarData(body, t.item.data, env.calendarData, env.state.limits, env.budget) : body);
    },
  },
];
