// CRM contact → one vCard 3.0 (RFC 2426) or 4.0 (RFC 6350). Deterministic: the same contact and
// extras give the same bytes (the output feeds ETags). Field table: docs/mapping.md.
import type { Contact } from '../domain/records.js';
import { escapeText, formatLine, headOf, paramValue, PRODID, rawValue, serialize, type Params } from './contentline.js';
import { entryKey, readEntry, type Entry } from './vcard-entries.js';
import { typeParams } from './vcard-types.js';

export interface VCardRenderOptions {
  version: '3.0' | '4.0';
  /** Lines from ParsedVCard.extras, re-emitted unchanged. */
  extras?: readonly string[];
}

export function renderVCard(contact: Contact, opts: VCardRenderOptions): string {
  return serialize(new CardWriter(contact, opts).lines());
}

class CardWriter {
  private readonly out: string[] = [];
  private readonly v3: boolean;
  private readonly anchors: Anchor[];
  private readonly plainExtras: string[];

  constructor(private readonly c: Contact, private readonly opts: VCardRenderOptions) {
    this.v3 = opts.version === '3.0';
    ({ anchors: this.anchors, plain: this.plainExtras } = splitAnchors(opts.extras ?? [], this.v3));
  }

  /** Text value: vCard 3 escapes ";" everywhere (RFC 2426 §5), vCard 4 only in compound values (RFC 6350 §3.4). */
  private text(s: string): string {
    return escapeText(s, this.v3);
  }

  private compound(parts: readonly string[]): string {
    return parts.map((p) => escapeText(p, true)).join(';');
  }

  private add(name: string, value: string, params: Params = []): void {
    this.out.push(formatLine(name, params, value));
  }

  lines(): string[] {
    const c = this.c;
    this.add('BEGIN', 'VCARD');
    this.add('VERSION', this.opts.version);
    this.add('PRODID', this.text(PRODID));
    this.add('UID', this.text(c.uid));
    if (!this.v3 && c.kind === 'company') this.add('KIND', 'org');
    this.add('N', this.compound([c.familyName, c.givenName, c.middleName, c.prefix, c.suffix]));
    this.add('FN', this.text(formattedName(c)));
    if (c.nickname) this.add('NICKNAME', this.text(c.nickname));
    if (c.organization || c.department) this.add('ORG', this.compound(c.department ? [c.organization, c.department] : [c.organization]));
    if (c.jobTitle) this.add('TITLE', this.text(c.jobTitle));
    if (c.profession) this.add('ROLE', this.text(c.profession));
    if (c.gender) this.gender(c.gender);
    if (c.birthday) this.birthday(c.birthday);
    for (const a of c.addresses) {
      this.entry({ kind: 'adr', value: a }, () => this.add('ADR',
        this.compound([a.poBox ?? '', a.extended ?? '', a.street, a.locality, a.region, a.postalCode, a.country]),
        typeParams(this.opts.version, 'adr', a.type, false)));
    }
    for (const p of c.phones) {
      this.entry({ kind: 'tel', value: p }, () =>
        this.add('TEL', this.text(p.value), typeParams(this.opts.version, 'tel', p.type, p.preferred === true)));
    }
    for (const e of c.emails) {
      this.entry({ kind: 'email', value: e }, () =>
        this.add('EMAIL', this.text(e.value), typeParams(this.opts.version, 'email', e.type, e.preferred === true)));
    }
    for (const w of c.websites) this.entry({ kind: 'url', value: w }, () => this.add('URL', w));
    if (c.note) this.add('NOTE', this.text(c.note));
    if (c.photo) this.photo(c.photo.mediaType, c.photo.data);
    const categories = dedupe([...(c.category ? [c.category] : []), ...c.tags]);
    if (categories.length) this.add('CATEGORIES', categories.map((x) => this.text(x)).join(','));
    if (this.v3 && c.kind === 'company') this.add('X-ABSHOWAS', 'COMPANY');
    this.add('REV', revision(c.updatedAt, this.v3));
    this.out.push(...this.plainExtras);
    this.add('END', 'VCARD');
    return this.out;
  }

  /** An Apple label group kept in extras replaces our line while it still describes this entry. */
  private entry(e: Entry, plain: () => void): void {
    const key = entryKey(e);
    const anchor = this.anchors.find((a) => !a.used && a.key === key);
    if (anchor) {
      anchor.used = true;
      this.out.push(...anchor.lines);
    } else {
      plain();
    }
  }

  /** GENDER (RFC 6350 §6.2.7) in 4.0; vCard 3 has none, so X-GENDER as Evolution and others write it. */
  private gender(g: 'male' | 'female' | 'other'): void {
    if (this.v3) this.add('X-GENDER', { male: 'Male', female: 'Female', other: 'Other' }[g]);
    else this.add('GENDER', { male: 'M', female: 'F', other: 'O' }[g]);
  }

  /** Year-less: 4.0 "--MMDD" (RFC 6350 §4.3.1); 3.0 Apple's 1604 placeholder year with X-APPLE-OMIT-YEAR. */
  private birthday(b: string): void {
    const yearless = /^--(\d{2})-(\d{2})$/.exec(b);
    if (yearless) {
      if (this.v3) this.add('BDAY', `1604-${yearless[1]}-${yearless[2]}`, [['X-APPLE-OMIT-YEAR', '1604']]);
      else this.add('BDAY', `--${yearless[1]}${yearless[2]}`);
    } else {
      this.add('BDAY', this.v3 ? b : b.replace(/-/g, ''));
    }
  }

  /** 4.0: data: URI (RFC 6350 §6.2.4); 3.0: inline base64 with ENCODING=b (RFC 2426 §3.1.4). */
  private photo(mediaType: string, data: string): void {
    if (this.v3) {
      const subtype = (mediaType.split('/')[1] ?? 'jpeg').toUpperCase();
      this.add('PHOTO', data, [['ENCODING', 'b'], ['TYPE', paramValue(subtype)]]);
    } else {
      this.add('PHOTO', `data:${mediaType};base64,${data}`);
    }
  }
}

/** FN (RFC 6350 §6.2.1, required): the person's name, or the company name. */
export function formattedName(c: Contact): string {
  const person = [c.prefix, c.givenName, c.middleName, c.familyName, c.suffix].filter(Boolean).join(' ');
  if (c.kind === 'company') return c.organization || person;
  return person || c.organization || c.nickname || (c.emails[0]?.value ?? '');
}

function revision(ms: number, v3: boolean): string {
  const iso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return v3 ? iso : iso.replace(/[-:]/g, '');
}

function dedupe(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => !seen.has(v.toLowerCase()) && seen.add(v.toLowerCase()));
}

interface Anchor { key: string; lines: string[]; used: boolean }

/**
 * Extras hold Apple groups (itemN.EMAIL + itemN.X-ABLabel) whose entry the CRM also has. Such a
 * group is written in place of that entry while the entry is unchanged; when the entry was
 * changed or removed in the CRM the stale group is dropped (F3). Other extras pass through.
 */
function splitAnchors(extras: readonly string[], v3: boolean): { anchors: Anchor[]; plain: string[] } {
  const heads = extras.map((raw) => headOf(raw));
  const byGroup = new Map<string, string[]>();
  heads.forEach((h, i) => {
    if (h?.group) byGroup.set(h.group, [...(byGroup.get(h.group) ?? []), extras[i]!]);
  });
  const anchors: Anchor[] = [];
  const anchored = new Set<string>();
  for (const [group, lines] of byGroup) {
    const groupHeads = lines.map((raw) => headOf(raw)!);
    const label = groupHeads.find((h) => h.name === 'X-ABLABEL');
    const labelText = label ? rawValue(label.raw) : null;
    const entries = groupHeads.map((h) => readEntry(h, v3 ? 'vcard3' : 'vcard', labelText)).filter((e) => e !== null);
    if (entries.length !== 1) continue;
    anchors.push({ key: entryKey(entries[0]!), lines, used: false });
    anchored.add(group);
  }
  const plain = extras.filter((_, i) => !(heads[i]?.group && anchored.has(heads[i]!.group!)));
  return { anchors, plain };
}
