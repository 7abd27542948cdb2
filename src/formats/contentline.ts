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
  const reader = new ContentLineReader(text);
  const out: ContentLine[] = [];
  for (let l = reader.next(); l !== null; l = reader.next()) out.push(l);
  return out;
}

/**
 * The content lines of a text one at a time, unfolded as by unfold(). An import reads a file of
 * tens of thousands of cards through it card by card (issue 2 item 10): the lines of one card die
 * young instead of a million line objects living until the whole file is parsed.
 */
export class ContentLineReader {
  private readonly text: string;
  private pos: number;
  /** Physical lines read so far (1-based number of the last one). */
  private physical = 0;
  private pending: string | null = null;
  private pendingLine = 0;

  constructor(text: string) {
    // Line breaks are CRLF, LF or a lone CR; a lone CR is rare enough to pay for a rewrite.
    this.text = hasLoneCr(text) ? text.replace(/\r\n?/g, '\n') : text;
    this.pos = this.text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  next(): ContentLine | null {
    const text = this.text;
    while (this.pos <= text.length) {
      const nl = text.indexOf('\n', this.pos);
      const end = nl === -1 ? text.length : nl;
      const phys = text.slice(this.pos, end > this.pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
      this.pos = end + 1;
      this.physical++;
      const first = phys.charCodeAt(0);
      if ((first === 32 || first === 9) && this.pending !== null) {
        this.pending += phys.slice(1);
        continue;
      }
      const done = this.pending;
      const doneLine = this.pendingLine;
      this.pending = phys;
      this.pendingLine = this.physical;
      if (done !== null && !isBlank(done)) return tokenizeHead(done, doneLine);
    }
    const done = this.pending;
    this.pending = null;
    return done !== null && !isBlank(done) ? tokenizeHead(done, this.pendingLine) : null;
  }
}

/** A CR not followed by LF (indexOf is several times faster than /\r(?!\n)/ on a big file). */
function hasLoneCr(text: string): boolean {
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 2)) {
    if (text.charCodeAt(i + 1) !== 10) return true;
  }
  return false;
}

const isBlank = (s: string) => s.length === 0 || (s.charCodeAt(0) <= 32 && s.trim() === '');

/** Name and group of an unfolded raw line (e.g. a stored extra), or null when it is not a content line. */
export function headOf(raw: string): ContentLine | null {
  const head = tokenizeHead(raw, 0);
  return head.name ? head : null;
}

/** RFC 6350 §3.3 / RFC 5545 §3.1 name and group: `[group "."] name` followed by ";" or ":" (letters, digits, "-"). */
function tokenizeHead(raw: string, line: number): ContentLine {
  const first = nameEnd(raw, 0);
  if (first > 0) {
    const c = raw.charCodeAt(first);
    if (c === 59 || c === 58) return { raw, line, name: raw.slice(0, first).toUpperCase(), group: null };
    if (c === 46) {
      const second = nameEnd(raw, first + 1);
      const d = raw.charCodeAt(second);
      if (second > first + 1 && (d === 59 || d === 58)) {
        return { raw, line, name: raw.slice(first + 1, second).toUpperCase(), group: raw.slice(0, first).toLowerCase() };
      }
    }
  }
  return { raw, line, name: '', group: null };
}

/** End of a run of [A-Za-z0-9-] starting at `from`. */
function nameEnd(raw: string, from: number): number {
  let i = from;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) break;
  }
  return i;
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
  return (vcardFastPath.enabled ? fastDecode(cl, design) : null) ?? decode(cl, design);
}

/** Switch for tests that compare the fast path with ical.js on whole cards. */
export const vcardFastPath = { enabled: true };

interface DesignDetails { defaultType?: string; multiValue?: string; structuredValue?: string; detectType?: (v: string) => string }
interface ValueFns { fromICAL?: (value: string, structuredEscape?: string | false) => unknown }
interface DesignTables { property: Record<string, DesignDetails>; value: Record<string, ValueFns>; param: Record<string, { multiValue?: string }> }

const FAST_TYPES = new Set(['text', 'uri', 'phone-number', 'unknown']);
const PARAM_NAME = /^[A-Za-z0-9-]+$/;

class FastProperty implements DecodedProperty {
  constructor(private readonly reading: HeadReading, private readonly values: unknown[]) {}
  private get params(): Readonly<Record<string, unknown>> {
    return this.reading.params;
  }
  /** paramList of this head, computed once per head. */
  list(name: string): readonly string[] {
    let list = this.reading.lists.get(name);
    if (list === undefined) {
      list = Object.freeze(splitList(paramValues(this, name)));
      this.reading.lists.set(name, list);
    }
    return list;
  }
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
  // ical.js's phone-number fromICAL drops every backslash by splitting the value into an array
  // of code points and joining it again; this is the same result without the garbage.
  if (type === 'phone-number') return value.indexOf('\\') === -1 ? value : value.replace(/\\/g, '');
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

/**
 * What the fast path reads from a line's head (name and parameters, up to the first colon): the
 * same for every line with that head, and heads repeat (`TEL;TYPE=CELL,VOICE`, `N`, `FN`), so it
 * is read once per head and design and shared, frozen, by the properties of those lines.
 */
interface HeadReading {
  params: Readonly<Record<string, unknown>>;
  type: string;
  multi: string | false;
  structured: string | false;
  /** The property's detectType, which looks at the value; then `type` is only the fallback. */
  detect: ((v: string) => string) | null;
  /** paramList results, by parameter name. */
  lists: Map<string, readonly string[]>;
}

const HEAD_CACHE_LIMIT = 10_000; // heads come from client input: bounded
const headCaches: Record<VCardDesign, Map<string, HeadReading | null>> = { vcard3: new Map(), vcard: new Map() };

function fastDecode(cl: ContentLine, design: VCardDesign): FastProperty | null {
  const raw = cl.raw;
  const colon = raw.indexOf(':');
  if (colon === -1 || cl.name === '') return null;
  const head = raw.slice(0, colon);
  const cache = headCaches[design];
  let reading = cache.get(head);
  if (reading === undefined) {
    reading = readHead(head, cl, design);
    if (cache.size < HEAD_CACHE_LIMIT) cache.set(head, reading);
  }
  if (reading === null) return null;
  const set = ICAL.design[design] as unknown as DesignTables;
  const value = raw.slice(colon + 1);
  const type = value && reading.detect ? reading.detect(value) || reading.type : reading.type;
  if (!FAST_TYPES.has(type)) return null;
  const { multi, structured } = reading;
  let values: unknown[];
  if (multi && structured) values = [parseMultiValue(value, structured, type, [], multi, set, structured)];
  else if (multi) { values = []; parseMultiValue(value, multi, type, values, null, set, false); }
  else if (structured) values = [parseMultiValue(value, structured, type, [], null, set, structured)];
  else values = [parseValue(value, type, set, false)];
  return new FastProperty(reading, values);
}

/** The head of a line as ical.js reads it, or null when the fast path does not take it. */
function readHead(head: string, cl: ContentLine, design: VCardDesign): HeadReading | null {
  const set = ICAL.design[design] as unknown as DesignTables;
  const name = cl.name.toLowerCase();
  if (name in Object.prototype) return null;
  const semi = head.indexOf(';');
  const params: Record<string, unknown> = {};
  // The name part must be exactly the line's (group.)name: tokenizeHead read it so, unless the
  // line was built by hand.
  if ((semi === -1 ? head : head.slice(0, semi)).toLowerCase() !== (cl.group === null ? name : `${cl.group}.${name}`)) return null;
  if (semi !== -1) {
    const section = head.slice(semi + 1);
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
  if (cl.group !== null) params.group = cl.group;
  const details = Object.hasOwn(set.property, name) ? set.property[name]! : undefined;
  const type = 'value' in params ? String(params.value).toLowerCase() : details?.defaultType ?? 'unknown';
  delete params.value;
  for (const v of Object.values(params)) if (Array.isArray(v)) Object.freeze(v);
  return {
    params: Object.freeze(params), type,
    multi: details?.multiValue ?? false, structured: details?.structuredValue ?? false,
    detect: details?.detectType ?? null, lists: new Map(),
  };
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
export function paramList(prop: DecodedProperty, name: string): readonly string[] {
  return prop instanceof FastProperty ? prop.list(name) : splitList(paramValues(prop, name));
}

function splitList(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
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

const NEEDS_ESCAPE = /[\\,;\r\n]/;

/** Text escaping, RFC 6350 §3.4 / RFC 5545 §3.3.11; `semicolon` for compound components and vCard 3. */
export function escapeText(s: string, semicolon: boolean): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
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
