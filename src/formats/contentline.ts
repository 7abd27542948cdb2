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

/** What the vCard reader asks of a decoded property; ICAL.Property has it, and so has the fast path's result. */
export interface DecodedProperty {
  getParameter(name: string): unknown;
  getFirstValue(): unknown;
  getValues(): unknown[];
}

export type VCardDesign = 'vcard3' | 'vcard';

/**
 * vCard fast path (issue 2 item 10: ical.js costs several microseconds per property, most of it
 * in building a Property for what is usually `TEL;TYPE=WORK,VOICE:+49 ...`). For a line whose
 * parameters are plain `;name=value` pairs — no quotes, no RFC 6868 `^` escapes, no backslashes —
 * and whose value type is text, uri, phone-number or unknown, this reads the line the way
 * ical.js's parser does: the same property and parameter tables (ICAL.design), the same
 * escape-aware splitting of structured and multi values, the same value functions (fromICAL), so
 * the result is what ical.js would return (test/formats/vcard-fast.test.ts compares them). Every
 * other line (quoted or escaped parameters, dates, binary, missing value) goes to ical.js.
 */
export function decodeVCard(cl: ContentLine, design: VCardDesign): DecodedProperty {
  return (vcardFastPath.enabled ? fastDecode(cl.raw, cl.name, design) : null) ?? decode(cl, design);
}

/** Switch for tests that compare the fast path with ical.js on whole cards. */
export const vcardFastPath = { enabled: true };

interface DesignDetails { defaultType?: string; multiValue?: string; structuredValue?: string; detectType?: (v: string) => string }
interface ValueFns { fromICAL?: (value: string, structuredEscape?: string | false) => unknown }
interface DesignTables { property: Record<string, DesignDetails>; value: Record<string, ValueFns>; param: Record<string, { multiValue?: string }> }

const FAST_TYPES = new Set(['text', 'uri', 'phone-number', 'unknown']);
const PARAM_NAME = /^[A-Za-z0-9-]+$/;

class FastProperty implements DecodedProperty {
  constructor(private readonly params: Record<string, unknown>, private readonly values: unknown[]) {}
  getParameter(name: string): unknown {
    return name in this.params ? this.params[name] : undefined;
  }
  getFirstValue(): unknown {
    return this.values.length > 0 ? this.values[0] : null;
  }
  getValues(): unknown[] {
    return this.values.slice();
  }
}

/** ical.js's unescapedIndexOf: a delimiter preceded by a backslash does not count. */
function unescapedIndexOf(buffer: string, search: string, pos: number): number {
  while ((pos = buffer.indexOf(search, pos)) !== -1) {
    if (pos > 0 && buffer[pos - 1] === '\\') pos += 1;
    else return pos;
  }
  return -1;
}

function parseValue(value: string, type: string, set: DesignTables, structured: string | false): unknown {
  const fns = type in set.value ? set.value[type]! : undefined;
  return fns && 'fromICAL' in fns ? fns.fromICAL!(value, structured) : value;
}

/** ical.js's parse._parseMultiValue. */
function parseMultiValue(buffer: string, delim: string, type: string, result: unknown[], inner: string | null, set: DesignTables, structured: string | false): unknown {
  let pos: number;
  let lastPos = 0;
  while ((pos = unescapedIndexOf(buffer, delim, lastPos)) !== -1) {
    const piece = buffer.slice(lastPos, pos);
    result.push(inner ? parseMultiValue(piece, inner, type, [], null, set, structured) : parseValue(piece, type, set, structured));
    lastPos = pos + delim.length;
  }
  const piece = buffer.slice(lastPos);
  result.push(inner ? parseMultiValue(piece, inner, type, [], null, set, structured) : parseValue(piece, type, set, structured));
  return result.length === 1 ? result[0] : result;
}

function fastDecode(raw: string, upperName: string, design: VCardDesign): FastProperty | null {
  const colon = raw.indexOf(':');
  if (colon === -1 || upperName === '') return null;
  const set = ICAL.design[design] as unknown as DesignTables;
  const name = upperName.toLowerCase();
  if (name in Object.prototype) return null;
  const semi = raw.indexOf(';');
  const params: Record<string, unknown> = {};
  let group: string | null = null;
  const head = semi !== -1 && semi < colon ? raw.slice(0, semi) : raw.slice(0, colon);
  const dot = head.indexOf('.');
  if (dot !== -1) group = head.slice(0, dot).toLowerCase();
  if (head.toLowerCase() !== (group === null ? name : `${group}.${name}`)) return null;
  if (semi !== -1 && semi < colon) {
    const section = raw.slice(semi + 1, colon);
    if (/["^\\]/.test(section)) return null;
    for (const part of section.split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) return null;
      const pname = part.slice(0, eq);
      if (!PARAM_NAME.test(pname)) return null;
      const lc = pname.toLowerCase();
      if (lc in Object.prototype) return null;
      const value = part.slice(eq + 1);
      const multi = lc in set.param ? set.param[lc]!.multiValue : undefined;
      if (multi) {
        const parsed = parseMultiValue(value, multi, 'text', [], null, set, false);
        const prev = params[lc];
        if (lc in params) params[lc] = Array.isArray(prev) ? (prev.push(parsed), prev) : [prev, parsed];
        else params[lc] = parsed;
      } else {
        params[lc] = parseValue(value, 'text', set, false);
      }
    }
  }
  if (group !== null) params.group = group;
  const value = raw.slice(colon + 1);
  const details = Object.hasOwn(set.property, name) ? set.property[name]! : undefined;
  let type: string | undefined;
  if (value && details?.detectType) type = details.detectType(value);
  if (!type) type = 'value' in params ? String(params.value).toLowerCase() : details?.defaultType ?? 'unknown';
  delete params.value;
  if (!FAST_TYPES.has(type)) return null;
  const multi = details?.multiValue ?? false;
  const structured = details?.structuredValue ?? false;
  let values: unknown[];
  if (multi && structured) values = [parseMultiValue(value, structured, type, [], multi, set, structured)];
  else if (multi) { values = []; parseMultiValue(value, multi, type, values, null, set, false); }
  else if (structured) values = [parseMultiValue(value, structured, type, [], null, set, structured)];
  else values = [parseValue(value, type, set, false)];
  return new FastProperty(params, values);
}

/** A parameter's values as ical.js reads them (a string, or an array for repeated or multi-valued params). */
function paramValues(prop: DecodedProperty, name: string): string[] {
  const v: unknown = prop.getParameter(name);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return [String(v)];
  const out: string[] = [];
  for (const x of v as unknown[]) out.push(String(x));
  return out;
}

/** A list-valued parameter such as TYPE, also split where a writer packed "WORK,VOICE" into one value. */
export function paramList(prop: DecodedProperty, name: string): string[] {
  const out: string[] = [];
  for (const value of paramValues(prop, name)) {
    for (const part of value.split(',')) {
      const t = part.trim();
      if (t !== '') out.push(t);
    }
  }
  return out;
}

/** A single-valued parameter (CN, TZID, ROLE, ...); commas inside it are part of the value. */
export function paramFirst(prop: DecodedProperty, name: string): string | null {
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
