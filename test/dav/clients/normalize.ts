// The normalisation under which a round-tripped vCard or iCalendar object must equal what the
// client uploaded (issue 3 item 8, "without loss"). Everything it forgives is listed here and in
// docs/dav-compliance.md; anything else that differs — a property, parameter or value lost,
// changed or added — is a failure.
//
// Forgiven, for both formats:
//   - line folding, CRLF vs LF, empty lines; the order of properties within a component and of
//     the components within an object; upper/lower case of property and parameter names;
//   - PRODID, DTSTAMP, REV (the server writes its own), VERSION of a vCard (see below);
//   - quoting of parameter values that need none; `\:` escapes (Apple's `https\://`);
//   - the group names of grouped vCard properties (item1. → item3.): a group is compared as the
//     set of its members.
// vCard, because vdirsyncer reads the default representation (3.0) of what may have been a 4.0
// upload (RFC 6352 §5.1.1 allows the server to store either):
//   - TYPE values compared as a case-insensitive set, `TYPE=a,b` = `TYPE=a;TYPE=b`; the implied
//     defaults dropped: INTERNET on EMAIL, VOICE on TEL; 4.0's `PREF=1` = 3.0's `TYPE=pref`;
//     4.0's `VALUE=TEXT` on TEL (3.0's default);
//   - BDAY/ANNIVERSARY forms: `--MMDD` (4.0), `1604-MM-DD;X-APPLE-OMIT-YEAR=1604` (Apple 3.0),
//     `YYYY-MM-DD` = `YYYYMMDD`, `VALUE=DATE` dropped;
//   - PHOTO as `ENCODING=b;TYPE=JPEG` (3.0) = `data:image/jpeg;base64,` URI (4.0);
//   - CATEGORIES as a set, with the import rule's words (SPEC I1: Customer/Kunde/Cliente,
//     Prospect/Interessent/Potenziale) compared as the CRM category they name.
// iCalendar:
//   - VTIMEZONE components compared by TZID only (the server serves its own definition of the
//     same IANA zone, RFC 5545 §3.6.5), and Evolution's `/freeassociation.sourceforge.net/`
//     TZID prefix read as the IANA name it carries;
//   - parameters that state the default: `VALUE=DURATION` and `RELATED=START` on TRIGGER,
//     `VALUE=URI` on URL, `VALUE=DATE-TIME` on DTSTART/DTEND/DUE/RECURRENCE-ID/EXDATE.

export interface Line { group: string | null; name: string; params: Map<string, string[]>; value: string }

const IGNORED = new Set(['PRODID', 'DTSTAMP', 'REV', 'VERSION']);
const CUSTOMER = ['customer', 'kunde', 'cliente'];
const PROSPECT = ['prospect', 'interessent', 'potenziale'];

export function unfold(text: string): string[] {
  return text.replace(/\r\n/g, '\n').replace(/\n[ \t]/g, '').split('\n').filter((l) => l.trim() !== '');
}

/** Splits one content line at the first unquoted ':' into name, parameters and value. */
export function parseLine(raw: string): Line {
  let i = 0;
  let inQuote = false;
  for (; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') inQuote = !inQuote;
    else if (c === ':' && !inQuote) break;
  }
  const head = raw.slice(0, i);
  const value = raw.slice(i + 1);
  const parts: string[] = [];
  let cur = '';
  inQuote = false;
  for (const c of head) {
    if (c === '"') inQuote = !inQuote;
    if (c === ';' && !inQuote) { parts.push(cur); cur = ''; } else cur += c;
  }
  parts.push(cur);
  const [fullName, ...paramTexts] = parts;
  const dot = fullName!.indexOf('.');
  const group = dot >= 0 ? fullName!.slice(0, dot) : null;
  const name = (dot >= 0 ? fullName!.slice(dot + 1) : fullName!).toUpperCase();
  const params = new Map<string, string[]>();
  for (const p of paramTexts) {
    const eq = p.indexOf('=');
    const key = (eq < 0 ? 'TYPE' : p.slice(0, eq)).toUpperCase(); // 2.1-style bare types
    const vals = (eq < 0 ? p : p.slice(eq + 1)).split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((v) => v.replace(/^"(.*)"$/, '$1'));
    params.set(key, [...(params.get(key) ?? []), ...vals]);
  }
  return { group, name, params, value };
}

const tzid = (v: string) => v.replace(/^\/freeassociation\.sourceforge\.net\/(Tzfile\/)?/, '');

function dateForm(value: string, params: Map<string, string[]>): string {
  const omit = params.get('X-APPLE-OMIT-YEAR')?.[0];
  params.delete('X-APPLE-OMIT-YEAR');
  params.delete('VALUE');
  const v = value.replace(/-/g, '');
  if (/^\d{8}$/.test(v) && omit && v.startsWith(omit)) return `--${v.slice(4)}`;
  if (/^\d{4}$/.test(v) && value.startsWith('--')) return `--${v}`;
  return v;
}

function canonicalVCardLine(l: Line): string | null {
  if (IGNORED.has(l.name)) return null;
  const params = new Map([...l.params].map(([k, v]) => [k, [...v]]));
  let value = l.value.replace(/\\:/g, ':');
  if (params.has('TYPE')) params.set('TYPE', params.get('TYPE')!.map((t) => t.toLowerCase()));
  const pref = params.get('PREF');
  if (pref) { params.delete('PREF'); if (pref[0] === '1') params.set('TYPE', [...(params.get('TYPE') ?? []), 'pref']); }
  if (l.name === 'EMAIL') params.set('TYPE', (params.get('TYPE') ?? []).filter((t) => t !== 'internet'));
  if (l.name === 'TEL') {
    params.set('TYPE', (params.get('TYPE') ?? []).filter((t) => t !== 'voice'));
    if (params.get('VALUE')?.[0]?.toLowerCase() === 'text') params.delete('VALUE');
  }
  if (l.name === 'BDAY' || l.name === 'ANNIVERSARY' || l.name === 'X-ANNIVERSARY') value = dateForm(value, params);
  if (l.name === 'PHOTO' || l.name === 'LOGO') {
    const enc = params.get('ENCODING')?.[0]?.toLowerCase();
    if (enc === 'b' || enc === 'base64') {
      const type = (params.get('TYPE')?.[0] ?? 'jpeg').toLowerCase();
      value = `data:image/${type};base64,${value}`;
      params.delete('ENCODING');
      params.delete('TYPE');
    }
    params.delete('VALUE');
  }
  if (l.name === 'CATEGORIES') {
    value = [...new Set(value.split(',').map((c) => c.trim()).filter((c) => c !== '').map((c) => {
      const w = c.toLowerCase();
      return CUSTOMER.includes(w) ? 'customer' : PROSPECT.includes(w) ? 'prospect' : c;
    }))].sort().join(',');
  }
  return canonical(l.name, params, value);
}

const DEFAULT_VALUE: Record<string, string> = {
  TRIGGER: 'DURATION', URL: 'URI', DTSTART: 'DATE-TIME', DTEND: 'DATE-TIME', DUE: 'DATE-TIME', 'RECURRENCE-ID': 'DATE-TIME', EXDATE: 'DATE-TIME',
};

function canonicalIcalLine(l: Line): string | null {
  if (IGNORED.has(l.name)) return null;
  const params = new Map([...l.params].map(([k, v]) => [k, [...v]]));
  if (params.has('TZID')) params.set('TZID', params.get('TZID')!.map(tzid));
  if (l.name === 'TZID') return canonical(l.name, params, tzid(l.value));
  const dflt = DEFAULT_VALUE[l.name];
  if (dflt && params.get('VALUE')?.[0]?.toUpperCase() === dflt) params.delete('VALUE');
  if (l.name === 'TRIGGER' && params.get('RELATED')?.[0]?.toUpperCase() === 'START') params.delete('RELATED');
  return canonical(l.name, params, l.value);
}

function canonical(name: string, params: Map<string, string[]>, value: string): string {
  const ps = [...params].filter(([, v]) => v.length > 0)
    .map(([k, v]) => `${k}=${(k === 'TYPE' ? [...new Set(v)].sort() : v).join(',')}`).sort();
  return [name, ...ps].join(';') + ':' + value;
}

/** A component in canonical form: its lines and children sorted, as one comparable string tree. */
export interface Canon { name: string; lines: string[]; children: Canon[] }

function build(lines: string[], kind: 'vcard' | 'ical'): Canon[] {
  const stack: { name: string; lines: Line[]; children: Canon[] }[] = [{ name: '#root', lines: [], children: [] }];
  for (const raw of lines) {
    const l = parseLine(raw);
    if (l.name === 'BEGIN') { stack.push({ name: l.value.toUpperCase(), lines: [], children: [] }); continue; }
    if (l.name === 'END') {
      const done = stack.pop()!;
      stack[stack.length - 1]!.children.push(finish(done, kind));
      continue;
    }
    stack[stack.length - 1]!.lines.push(l);
  }
  return stack[0]!.children;
}

function finish(c: { name: string; lines: Line[]; children: Canon[] }, kind: 'vcard' | 'ical'): Canon {
  if (c.name === 'VTIMEZONE') {
    return { name: c.name, lines: c.lines.filter((l) => l.name === 'TZID').map((l) => `TZID:${tzid(l.value)}`), children: [] };
  }
  const canon = kind === 'vcard' ? canonicalVCardLine : canonicalIcalLine;
  const ungrouped: string[] = [];
  const groups = new Map<string, string[]>();
  for (const l of c.lines) {
    const text = canon(l);
    if (text === null) continue;
    if (l.group === null) ungrouped.push(text);
    else groups.set(l.group.toLowerCase(), [...(groups.get(l.group.toLowerCase()) ?? []), text]);
  }
  const grouped = [...groups.values()].map((members) => `GROUP{${members.sort().join(' | ')}}`);
  const sortKey = (x: Canon) => JSON.stringify(x);
  return { name: c.name, lines: [...ungrouped, ...grouped].sort(), children: [...c.children].sort((a, b) => sortKey(a).localeCompare(sortKey(b))) };
}

export function canonicalise(text: string, kind: 'vcard' | 'ical'): Canon[] {
  return build(unfold(text), kind);
}

/** Human-readable differences between an upload and what came back (empty: equal). */
export function differences(uploaded: string, returned: string, kind: 'vcard' | 'ical'): string[] {
  const out: string[] = [];
  const walk = (a: Canon[], b: Canon[], path: string) => {
    const names = [...new Set([...a, ...b].map((c) => c.name))];
    for (const name of names) {
      const as = a.filter((c) => c.name === name);
      const bs = b.filter((c) => c.name === name);
      if (as.length !== bs.length) out.push(`${path}${name}: ${as.length} uploaded, ${bs.length} returned`);
      // Pair components by best line overlap, then compare pairwise.
      const rest = [...bs];
      for (const x of as) {
        let best = 0;
        let bestScore = -1;
        rest.forEach((y, i) => {
          const score = x.lines.filter((l) => y.lines.includes(l)).length;
          if (score > bestScore) { best = i; bestScore = score; }
        });
        const y = rest.splice(best, 1)[0];
        if (!y) continue;
        const where = `${path}${name}`;
        for (const l of x.lines) if (!y.lines.includes(l)) out.push(`${where}: lost   ${l}`);
        for (const l of y.lines) if (!x.lines.includes(l)) out.push(`${where}: added  ${l}`);
        walk(x.children, y.children, `${where}/`);
      }
    }
  };
  walk(canonicalise(uploaded, kind), canonicalise(returned, kind), '');
  return out;
}
