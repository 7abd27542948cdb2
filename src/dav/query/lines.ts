// Property lines of rendered vCard / iCalendar text for filters: name, parameters, value,
// with text unescaping (RFC 6350 §3.4, RFC 5545 §3.3.11). Pure; reads only what filters need.
import { rawValue, type ContentLine } from '../../formats/contentline.js';

export interface PropLine {
  readonly name: string;
  readonly params: ReadonlyMap<string, readonly string[]>;
  /** The value with text escapes resolved (a compound value keeps its ";" separators). */
  readonly value: string;
  readonly raw: string;
}

export function unescapeText(v: string): string {
  return v.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Parameters of a raw content line (RFC 5545 §3.2): NAME=value(,value)* with quoted values. */
export function paramsOf(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const head = raw.slice(0, raw.length - rawValue(raw).length - 1);
  const re = /;([A-Za-z0-9-]+)=((?:"[^"]*"|[^;:,"]*)(?:,(?:"[^"]*"|[^;:,"]*))*)/g;
  for (let m = re.exec(head); m; m = re.exec(head)) {
    const values = m[2]!.match(/"[^"]*"|[^,]+/g) ?? [];
    out.set(m[1]!.toUpperCase(), values.map((v) => (v.startsWith('"') ? v.slice(1, -1) : v)));
  }
  return out;
}

export function propLine(cl: ContentLine): PropLine {
  return { name: cl.name, params: paramsOf(cl.raw), value: unescapeText(rawValue(cl.raw)), raw: cl.raw };
}
