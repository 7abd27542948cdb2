// calendar-query filters (RFC 4791 §9.7) over a calendar object: its component tree (parsed from
// the rendered text) for comp/prop/param/text filters, and the record for time-ranges on the
// object's own component (recurrence-aware, see timeRange.ts).
import { rawValue, unfold } from '../../formats/contentline.js';
import { readCalendar, type RawComponent } from '../../formats/ical-tree.js';
import { localToEpoch, parseLocal } from '../../formats/tz.js';
import type { CalendarPropFilter, CompFilter, TimeRange } from '../xml/index.js';
import { instantInRange } from './timeRange.js';
import { paramFilterMatches } from './vcardFilter.js';
import { propLine } from './lines.js';
import { textMatches } from './textMatch.js';

export interface ObjectFacts {
  /** The object's component name (VEVENT or VTODO). */
  readonly component: string;
  /** Whether the object (all its instances) overlaps a range. */
  overlaps(range: TimeRange): boolean;
}

export function parseCalendarTree(text: string): RawComponent {
  return readCalendar(unfold(text));
}

/** The top filter names VCALENDAR (checked by the parser); it matches the object's root. */
export function matchesCalendarFilter(root: RawComponent, filter: CompFilter, facts: ObjectFacts): boolean {
  return compMatches([root], filter, facts);
}

function compMatches(candidates: readonly RawComponent[], f: CompFilter, facts: ObjectFacts): boolean {
  const named = candidates.filter((c) => c.name === f.name);
  if (f.type === 'is-not-defined') return named.length === 0;
  if (named.length === 0) return false;
  // The time-range of the object's own component covers all its instances (§9.9 with
  // recurrence); on other components (VALARM) it is not evaluated and matches when present.
  if (f.timeRange && f.name === facts.component && !facts.overlaps(f.timeRange)) return false;
  return named.some((c) =>
    f.propFilters.every((pf) => propMatches(c, pf)) && f.compFilters.every((cf) => compMatches(c.children, cf, facts)));
}

function propMatches(c: RawComponent, f: CalendarPropFilter): boolean {
  const lines = c.props.filter((p) => p.name === f.name).map(propLine);
  if (f.type === 'is-not-defined') return lines.length === 0;
  if (lines.length === 0) return false;
  return lines.some((l) => {
    if (f.timeRange) {
      const at = instantOf(l.raw, l.params.get('TZID')?.[0]);
      if (at === null || !instantInRange(at, f.timeRange)) return false;
    }
    if (f.textMatch && !textMatches(l.value, f.textMatch)) return false;
    return f.paramFilters.every((pf) => paramFilterMatches(l, pf));
  });
}

/** A DATE or DATE-TIME value (UTC, TZID or floating as UTC) as epoch ms. */
function instantOf(raw: string, tzid: string | undefined): number | null {
  const v = rawValue(raw).trim();
  const local = parseLocal(v.replace(/Z$/, ''));
  if (!local) return null;
  if (v.endsWith('Z') || !tzid) return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  try {
    return localToEpoch(tzid, local);
  } catch {
    return null;
  }
}
