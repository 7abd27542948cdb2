// RFC 3253 §3.1.5 supported-report-set, on homes and collections: which REPORTs may be asked.
import { caldav, carddav, dav, xmlElement, type QName } from '../xml/index.js';
import { elements, type PropDef, type Target } from './types.js';

const report = (q: QName) =>
  xmlElement(dav('supported-report'), { children: [xmlElement(dav('report'), { children: [xmlElement(q)] })] });

const CALENDAR = [caldav('calendar-multiget'), caldav('calendar-query'), caldav('free-busy-query'), dav('sync-collection')].map(report);
const ADDRESSBOOK = [carddav('addressbook-multiget'), carddav('addressbook-query'), dav('sync-collection')].map(report);

function reports(t: Target) {
  if (t.type === 'collection') return elements(...(t.col.home === 'calendars' ? CALENDAR : ADDRESSBOOK));
  // A home answers multigets whose hrefs lie in its collections; queries and sync need a collection.
  if (t.type === 'home') return elements(t.home === 'calendars' ? CALENDAR[0]! : ADDRESSBOOK[0]!);
  return elements();
}

export const RFC3253_PROPS: readonly PropDef[] = [
  { name: dav('supported-report-set'), allprop: false, applies: (t) => t.type === 'collection' || t.type === 'home', get: reports },
];
