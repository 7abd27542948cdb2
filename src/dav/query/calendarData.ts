// calendar-data as a REPORT asks for it (RFC 4791 §9.6): §9.6.5 expand (every occurrence as its
// own VEVENT in UTC, no RRULE/RDATE/EXDATE), §9.6.6 limit-recurrence-set (only the overrides
// that overlap the range), §9.6.1 partial retrieval by comp/prop selection. Expansion is capped
// per object (limits) and per request (budget); past the request budget the REPORT is refused.
import { rawValue, serialize, type ContentLine } from '../../formats/contentline.js';
import type { RawComponent } from '../../formats/ical-tree.js';
import { expandOccurrences, timingBounds, type Occurrence } from '../../formats/index.js';
import { timingAt } from '../../formats/timing.js';
import type { Appointment, Timing } from '../../domain/records.js';
import type { DavLimits } from '../config.js';
import { DavError } from '../errors.js';
import type { LoadedRecord } from '../items.js';
import { dav, formatUtcDateTime, type BoundedTimeRange, type CalendarDataRequest, type CompSelection } from '../xml/index.js';
import { parseCalendarTree } from './calendarFilter.js';

type Limits = Pick<DavLimits, 'maxInstancesPerObject' | 'maxIterationsPerObject' | 'maxInstancesPerRequest'>;

export function shapeCalendarData(
  body: string, data: LoadedRecord, req: CalendarDataRequest, limits: Limits, budget: { instances: number },
): string {
  if (req.recurrence === null && req.comp === null) return body;
  let root = parseCalendarTree(body);
  if (req.recurrence && data.unit === 'calendar') {
    root = req.recurrence.type === 'expand'
      ? expandTree(root, data.record, req.recurrence.range, limits, budget)
      : limitRecurrenceSet(root, data.record, req.recurrence.range);
  }
  if (req.comp) root = selectComp(root, req.comp);
  return serialize(linesOf(root));
}

const linesOf = (c: RawComponent): string[] => [
  `BEGIN:${c.name}`, ...c.props.map((p) => p.raw), ...c.children.flatMap(linesOf), `END:${c.name}`,
];

const line = (raw: string): ContentLine => ({ raw, line: 0, name: raw.slice(0, raw.search(/[;:]/)).toUpperCase(), group: null });

/** The override component whose RECURRENCE-ID is `key` (series form; a UTC value ends in Z). */
function overrideKey(c: RawComponent): string | null {
  const rid = c.props.find((p) => p.name === 'RECURRENCE-ID');
  return rid ? rawValue(rid.raw).trim().replace(/Z$/, '') : null;
}

const TIME_PROPS = new Set(['DTSTART', 'DTEND', 'DURATION', 'RRULE', 'RDATE', 'EXDATE', 'EXRULE', 'RECURRENCE-ID']);

function timeLines(t: Timing): string[] {
  if (t.allDay) return [`DTSTART;VALUE=DATE:${t.startDate.replace(/-/g, '')}`, `DTEND;VALUE=DATE:${t.endDate.replace(/-/g, '')}`];
  return [`DTSTART:${formatUtcDateTime(t.start)}`, `DTEND:${formatUtcDateTime(t.end)}`];
}

function ridLine(appt: Appointment, o: Occurrence): string {
  const original = timingAt(appt.timing, o.recurrenceId);
  if (appt.timing.allDay || !original) return `RECURRENCE-ID;VALUE=DATE:${o.recurrenceId.slice(0, 8)}`;
  return `RECURRENCE-ID:${formatUtcDateTime(timingBounds(original).start)}`;
}

function expandTree(root: RawComponent, appt: Appointment, range: BoundedTimeRange, limits: Limits, budget: { instances: number }): RawComponent {
  const events = root.children.filter((c) => c.name === 'VEVENT');
  const master = events.find((c) => overrideKey(c) === null);
  if (!master) return root;
  const overrides = new Map(events.flatMap((c) => { const k = overrideKey(c); return k === null ? [] : [[k, c] as const]; }));
  const maxInstances = Math.min(limits.maxInstancesPerObject, budget.instances + 1);
  const x = expandOccurrences(appt, range.start, range.end, { maxInstances, maxIterations: limits.maxIterationsPerObject });
  if (x.occurrences.length > budget.instances) {
    throw new DavError(403, `expanding this request would produce more than ${limits.maxInstancesPerRequest} occurrences; ask for a smaller range`, dav('number-of-matches-within-limits'));
  }
  budget.instances -= x.occurrences.length;
  const recurring = appt.recurrence !== null;
  const instances: RawComponent[] = x.occurrences.map((o) => {
    const base = overrides.get(o.recurrenceId) ?? master;
    const props = [
      ...base.props.filter((p) => p.name === 'UID'),
      ...timeLines(o.timing).map(line),
      ...(recurring ? [line(ridLine(appt, o))] : []),
      ...base.props.filter((p) => p.name !== 'UID' && !TIME_PROPS.has(p.name)),
    ];
    return { ...base, props, children: base.children };
  });
  return { ...root, children: [...root.children.filter((c) => c.name !== 'VEVENT' && c.name !== 'VTIMEZONE'), ...instances] };
}

function limitRecurrenceSet(root: RawComponent, appt: Appointment, range: BoundedTimeRange): RawComponent {
  const keep = (c: RawComponent) => {
    if (c.name !== 'VEVENT') return true;
    const key = overrideKey(c);
    if (key === null) return true;
    const o = appt.overrides.find((x) => x.recurrenceId === key);
    const t = o?.timing ?? timingAt(appt.timing, key);
    if (!t) return true;
    const b = timingBounds(t);
    return b.start < range.end && b.end > range.start;
  };
  return { ...root, children: root.children.filter(keep) };
}

/** §9.6.1: props and sub-components by name (null = all); novalue keeps a property without its value. */
function selectComp(c: RawComponent, sel: CompSelection): RawComponent {
  const wanted = sel.props === null ? null : new Map(sel.props.map((p) => [p.name.toUpperCase(), p.novalue]));
  const props = wanted === null ? c.props : c.props.filter((p) => wanted.has(p.name)).map((p) =>
    wanted.get(p.name) ? line(p.raw.slice(0, p.raw.length - rawValue(p.raw).length)) : p);
  const children = sel.comps === null
    ? c.children
    : c.children.flatMap((ch) => {
      const s = sel.comps!.find((x) => x.name.toUpperCase() === ch.name);
      return s ? [selectComp(ch, s)] : [];
    });
  return { ...c, props, children };
}
