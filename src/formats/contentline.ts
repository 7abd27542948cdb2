// Content lines shared by vCard (RFC 6350 §3.2–3.3, RFC 2426 §2.6) and iCalendar (RFC 5545 §3.1):
// unfolding with line numbers, a light tokenizer that keeps the raw text (so unknown properties
// can be written back byte for byte), value escaping and octet-based folding.
import ICAL from 'ical.js';
import { FormatError } from './errors.js';

export interface ContentLine {
  /** The unfolded line exactly as received (no CRLF). */
  raw: string;
  /** 1-based line number of the first physical line. */
  line: number;
  /** Upper-cased property name without group; '' when the line is not a content line at all. */
  name: string;
  /** Lower-cased group ("item1"), or null. */
  group: string | null;
}

/**
 * RFC 5545 §3.1 / RFC 6350 §3.2: a CRLF followed by one space or tab continues the line.
 * Never throws: a line that is not a content line gets name '' and is rejected by requireValid,
 * so that in a multi-entry file it only spoils its own entry.
 */
export function unfold(text: string): ContentLine[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const out: ContentLine[] = [];
  let current: { raw: string; line: number } | null = null;
  const flush = () => {
    if (current && current.raw.trim() !== '') out.push(tokenizeHead(current.raw, current.line));
  };
  physical.forEach((text, i) => {
    if ((text.startsWith(' ') || text.startsWith('\t')) && current) {
      current.raw += text.slice(1);
    } else {
      flush();
      current = { raw: text, line: i + 1 };
    }
  });
  flush();
  return out;
}

/** Name and group of an unfolded raw line (e.g. a stored extra), or null when it is not a content line. */
export function headOf(raw: string): ContentLine | null {
  const head = tokenizeHead(raw, 0);
  return head.name ? head : null;
}

function tokenizeHead(raw: string, line: number): ContentLine {
  const m = /^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)[;:]/.exec(raw);
  if (!m) return { raw, line, name: '', group: null };
  return { raw, line, name: m[2]!.toUpperCase(), group: m[1] ? m[1].toLowerCase() : null };
}

/** Throw the FormatError for the first line that is not a content line (RFC 5545 §3.1 contentline). */
export function requireValid(lines: readonly ContentLine[]): void {
  const bad = lines.find((l) => l.name === '');
  if (bad) throw new FormatError('malformed', `not a content line: "${clip(bad.raw)}"`, bad.line);
}

/** The value part of a raw line: everything after the first colon outside a quoted parameter. */
export function rawValue(raw: string): string {
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') quoted = !quoted;
    else if (c === ':' && !quoted) return raw.slice(i + 1);
  }
  return '';
}

/** PRODID of everything crmsync writes (RFC 5545 §3.7.3, RFC 6350 §6.7.3). */
export const PRODID = '-//crmsync//crmsync//EN';

export type DesignSetName = 'vcard3' | 'vcard' | 'icalendar';

/** Decode a line's parameters and typed values with ical.js (RFC 6868 quoting, repeated params). */
export function decode(cl: ContentLine, design: DesignSetName): ICAL.Property {
  try {
    return ICAL.Property.fromString(cl.raw, ICAL.design[design]);
  } catch (e) {
    throw new FormatError('malformed', `cannot read ${cl.name}: ${(e as Error).message}`, cl.line);
  }
}

/** A parameter's values as ical.js reads them (a string, or an array for repeated or multi-valued params). */
function paramValues(prop: ICAL.Property, name: string): string[] {
  const v: unknown = prop.getParameter(name);
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** A list-valued parameter such as TYPE, also split where a writer packed "WORK,VOICE" into one value. */
export function paramList(prop: ICAL.Property, name: string): string[] {
  return paramValues(prop, name).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
}

/** A single-valued parameter (CN, TZID, ROLE, ...); commas inside it are part of the value. */
export function paramFirst(prop: ICAL.Property, name: string): string | null {
  return paramValues(prop, name)[0] ?? null;
}

/** Text escaping, RFC 6350 §3.4 / RFC 5545 §3.3.11; `semicolon` for compound components and vCard 3. */
export function escapeText(s: string, semicolon: boolean): string {
  let out = s.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
  if (semicolon) out = out.replace(/;/g, '\\;');
  return out;
}

/** Parameter value, quoted when it holds ; : , (RFC 5545 §3.2), with RFC 6868 caret encoding. */
export function paramValue(v: string): string {
  const enc = v.replace(/\^/g, '^^').replace(/\r\n|\r|\n/g, '^n').replace(/"/g, "^'");
  return /[;:,]/.test(enc) ? `"${enc}"` : enc;
}

export type Params = ReadonlyArray<readonly [string, string]>;

/** Assemble one content line; `value` must already be escaped. */
export function formatLine(name: string, params: Params, value: string): string {
  return name + params.map(([k, v]) => `;${k}=${v}`).join('') + ':' + value;
}

/** Fold at 75 octets without splitting a UTF-8 sequence (RFC 5545 §3.1, RFC 6350 §3.2). */
export function fold(line: string): string {
  const parts: string[] = [];
  let chunk = '';
  let octets = 0;
  let limit = 75;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (octets + n > limit) {
      parts.push(chunk);
      chunk = '';
      octets = 0;
      limit = 74; // continuation lines start with one space
    }
    chunk += ch;
    octets += n;
  }
  parts.push(chunk);
  return parts.join('\r\n ');
}

/** Join unfolded lines into a CRLF-terminated, folded document. */
export function serialize(lines: readonly string[]): string {
  return lines.map((l) => fold(l) + '\r\n').join('');
}

export function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
