// Components of an iCalendar stream (RFC 5545 §3.4, §3.6) built from unfolded content lines,
// keeping each component's raw lines so unknown parts can be written back unchanged.
import { rawValue, requireValid, type ContentLine } from './contentline.js';
import { FormatError } from './errors.js';

export interface RawComponent {
  /** Upper-cased component name (VEVENT, VALARM, ...). */
  name: string;
  /** 1-based line of its BEGIN. */
  line: number;
  props: ContentLine[];
  children: RawComponent[];
  /** All lines from BEGIN to END, as received. */
  lines: ContentLine[];
}

const componentName = (l: ContentLine) => rawValue(l.raw).trim().toUpperCase();

/** Object components that never nest inside each other (RFC 5545 §3.6). */
const TOP_LEVEL = new Set(['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY', 'VTIMEZONE']);

/**
 * Read the component that begins at lines[start]. Returns it and the index after its END.
 * Throws FormatError on a missing or mismatched END, or an object component opened inside another.
 */
export function readComponent(lines: readonly ContentLine[], start: number): { component: RawComponent; next: number } {
  const begin = lines[start]!;
  const c: RawComponent = { name: componentName(begin), line: begin.line, props: [], children: [], lines: [begin] };
  let i = start + 1;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.name === '') requireValid([l]);
    if (l.name === 'BEGIN') {
      const name = componentName(l);
      if (TOP_LEVEL.has(name) && TOP_LEVEL.has(c.name)) {
        throw new FormatError('malformed', `BEGIN:${name} inside ${c.name}: missing END:${c.name}`, l.line);
      }
      const child = readComponent(lines, i);
      c.children.push(child.component);
      c.lines.push(...child.component.lines);
      i = child.next;
      continue;
    }
    c.lines.push(l);
    if (l.name === 'END') {
      if (componentName(l) !== c.name) {
        throw new FormatError('malformed', `END:${componentName(l)} does not close BEGIN:${c.name} (line ${c.line})`, l.line);
      }
      return { component: c, next: i + 1 };
    }
    c.props.push(l);
    i++;
  }
  throw new FormatError('malformed', `BEGIN:${c.name} is never closed by END:${c.name}`, c.line);
}

/** Strictly read a document that must be exactly one VCALENDAR. */
export function readCalendar(lines: readonly ContentLine[]): RawComponent {
  requireValid(lines);
  const first = lines[0];
  if (!first || first.name !== 'BEGIN' || componentName(first) !== 'VCALENDAR') {
    throw new FormatError('malformed', 'an iCalendar object must start with BEGIN:VCALENDAR', first?.line ?? 1);
  }
  const { component, next } = readComponent(lines, 0);
  const rest = lines[next];
  if (rest) throw new FormatError('malformed', `content after END:VCALENDAR`, rest.line);
  return component;
}

/** Tolerant pass for file import: components are read one by one and a broken one is reported, not fatal. */
export interface ScannedCalendar {
  props: ContentLine[];
  components: RawComponent[];
  errors: Array<{ line: number; error: FormatError }>;
}

export function scanCalendars(lines: readonly ContentLine[]): ScannedCalendar {
  const out: ScannedCalendar = { props: [], components: [], errors: [] };
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    const name = l.name === 'BEGIN' || l.name === 'END' ? componentName(l) : '';
    if (l.name === 'BEGIN' && name !== 'VCALENDAR') {
      try {
        const r = readComponent(lines, i);
        out.components.push(r.component);
        i = r.next;
      } catch (e) {
        out.errors.push({ line: l.line, error: e as FormatError });
        i = resumeAfter(lines, i);
      }
      continue;
    }
    if (l.name !== 'BEGIN' && l.name !== 'END' && l.name !== '') out.props.push(l);
    i++;
  }
  return out;
}

function resumeAfter(lines: readonly ContentLine[], start: number): number {
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.name === 'BEGIN' && TOP_LEVEL.has(componentName(l))) return i;
  }
  return lines.length;
}
