// addressbook-query filters (RFC 6352 §10.5) over a vCard, and partial address-data (§10.4.2).
import { rawValue, serialize, unfold } from '../../formats/contentline.js';
import type { AddressbookFilter, AddressPropFilter, ParamFilter } from '../xml/index.js';
import { propLine, type PropLine } from './lines.js';
import { textMatches } from './textMatch.js';

export function paramFilterMatches(line: PropLine, f: ParamFilter): boolean {
  const values = line.params.get(f.name);
  if (f.type === 'is-not-defined') return values === undefined;
  if (values === undefined) return false;
  if (f.textMatch === null) return true;
  // TYPE=WORK,VOICE: each value is matched on its own.
  const tm = f.textMatch;
  const any = values.flatMap((v) => v.split(',')).some((v) => textMatches(v, { ...tm, negate: false }));
  return tm.negate ? !any : any;
}

function propFilterMatches(lines: readonly PropLine[], f: AddressPropFilter): boolean {
  const named = lines.filter((l) => l.name === f.name);
  if (f.type === 'is-not-defined') return named.length === 0;
  if (named.length === 0) return false;
  // §10.5.1: the prop-filter matches when any instance of the property satisfies its tests.
  return named.some((l) => {
    const tests = [
      ...f.textMatches.map((tm) => () => textMatches(l.value, tm)),
      ...f.paramFilters.map((pf) => () => paramFilterMatches(l, pf)),
    ];
    if (tests.length === 0) return true;
    return f.test === 'allof' ? tests.every((t) => t()) : tests.some((t) => t());
  });
}

export function vcardLines(vcard: string): PropLine[] {
  return unfold(vcard).map(propLine);
}

/** RFC 6352 §10.5: no prop-filter matches every card; test anyof (default) or allof. */
export function matchesAddressbookFilter(vcard: string, filter: AddressbookFilter): boolean {
  if (filter.propFilters.length === 0) return true;
  const lines = vcardLines(vcard);
  const test = (f: AddressPropFilter) => propFilterMatches(lines, f);
  return filter.test === 'allof' ? filter.propFilters.every(test) : filter.propFilters.some(test);
}

const ALWAYS = new Set(['BEGIN', 'END', 'VERSION']);

/** §10.4.2: only the asked properties (with BEGIN/END/VERSION), novalue ones with an empty value. */
export function selectVCardProperties(vcard: string, props: readonly { readonly name: string; readonly novalue: boolean }[]): string {
  const wanted = new Map(props.map((p) => [p.name, p.novalue]));
  const out: string[] = [];
  for (const l of unfold(vcard)) {
    if (ALWAYS.has(l.name)) out.push(l.raw);
    else if (wanted.has(l.name)) out.push(wanted.get(l.name) ? l.raw.slice(0, l.raw.length - rawValue(l.raw).length) : l.raw);
  }
  return serialize(out);
}
