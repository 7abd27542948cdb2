// free-busy-query (RFC 4791 §7.10): one VFREEBUSY with the busy periods of the collection's
// appointments in the range, merged, from their occurrences (recurrence-aware and capped).
// Cancelled appointments and transparent ones (TRANSP:TRANSPARENT kept as an extra) are free.
import { serialize } from '../../formats/contentline.js';
import { PRODID } from '../../formats/index.js';
import { expandOccurrences } from '../../formats/index.js';
import type { Appointment } from '../../domain/records.js';
import type { DavLimits } from '../config.js';
import { formatUtcDateTime } from '../xml/index.js';
import { MAX_TIME, MIN_TIME } from './timeRange.js';

export interface BusyInput {
  readonly appointment: Appointment;
  readonly transparent: boolean;
}

type Period = [number, number];

function merge(periods: Period[]): Period[] {
  const sorted = [...periods].sort((a, b) => a[0] - b[0]);
  const out: Period[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && p[0] <= last[1]) last[1] = Math.max(last[1], p[1]);
    else out.push([p[0], p[1]]);
  }
  return out;
}

export function freeBusy(
  inputs: readonly BusyInput[], range: { start?: number; end?: number }, now: number,
  limits: Pick<DavLimits, 'maxInstancesPerObject' | 'maxIterationsPerObject'>,
): string {
  const start = range.start ?? MIN_TIME;
  const end = range.end ?? MAX_TIME;
  const busy: Period[] = [];
  const tentative: Period[] = [];
  for (const { appointment: a, transparent } of inputs) {
    if (a.status === 'cancelled' || transparent) continue;
    const x = expandOccurrences(a, start, end, { maxInstances: limits.maxInstancesPerObject, maxIterations: limits.maxIterationsPerObject });
    for (const o of x.occurrences) {
      const status = o.override?.status ?? a.status;
      if (status === 'cancelled') continue;
      (status === 'tentative' ? tentative : busy).push([Math.max(o.start, start), Math.min(o.end, end)]);
    }
  }
  const period = ([s, e]: Period) => `${formatUtcDateTime(s)}/${formatUtcDateTime(e)}`;
  const lines = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'BEGIN:VFREEBUSY', `DTSTAMP:${formatUtcDateTime(now)}`,
    ...(range.start !== undefined ? [`DTSTART:${formatUtcDateTime(range.start)}`] : []),
    ...(range.end !== undefined ? [`DTEND:${formatUtcDateTime(range.end)}`] : []),
    ...merge(busy).map((p) => `FREEBUSY;FBTYPE=BUSY:${period(p)}`),
    ...merge(tentative).map((p) => `FREEBUSY;FBTYPE=BUSY-TENTATIVE:${period(p)}`),
    'END:VFREEBUSY', 'END:VCALENDAR',
  ];
  return serialize(lines);
}
