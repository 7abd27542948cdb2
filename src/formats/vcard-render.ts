// CRM contact → one vCard 3.0 (RFC 2426) or 4.0 (RFC 6350). Deterministic: the same contact and
// extras give the same bytes (the output feeds ETags). Field table: docs/mapping.md.
import type { Contact } from '../domain/records.js';
import { escapeText, formatLine, paramValue, PRODID, serialize, type Params } from './contentline.js';
import { entryLine, type Entry } from './vcard-entries.js';
import { KeptLines } from './vcard-originals.js';

export interface VCardRenderOptions {
  version: '3.0' | '4.0';
  /** ParsedVCard.extras: unmapped lines re-emitted unchanged, originals of mapped ones (vcard-originals.ts). */
  extras?: readonly string[];
}

export function renderVCard(contact: Contact, opts: VCardRenderOptions): string {
  return serialize(new CardWriter(contact, opts).lines());
}

class CardWriter {
  private readonly out: string[] = [];
  private readonly v3: boolean;
  private readonly kept: KeptLines;

  constructor(private readonly c: Contact, private readonly opts: VCardRenderOptions) {
    this.v3 = opts.version === '3.0';
    this.kept = new KeptLines(opts.extras ?? [], opts.version);
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
    const fn = formattedName(c);
    const keptFn = this.kept.formattedName(fn);
    if (keptFn) this.out.push(...keptFn);
    else this.add('FN', this.text(fn));
    if (c.nickname) this.add('NICKNAME', this.text(c.nickname));
    if (c.organization || c.department) this.add('ORG', this.compound(c.department ? [c.organization, c.department] : [c.organization]));
    if (c.jobTitle) this.add('TITLE', this.text(c.jobTitle));
    if (c.profession) this.add('ROLE', this.text(c.profession));
    if (c.gender) this.gender(c.gender);
    if (c.birthday) this.birthday(c.birthday);
    for (const a of c.addresses) this.entry({ kind: 'adr', value: a });
    for (const p of c.phones) this.entry({ kind: 'tel', value: p });
    for (const e of c.emails) this.entry({ kind: 'email', value: e });
    for (const w of c.websites) this.entry({ kind: 'url', value: w });
    if (c.note) this.add('NOTE', this.text(c.note));
    if (c.photo) this.photo(c.photo.mediaType, c.photo.data);
    const categories = dedupe([...(c.category ? [c.category] : []), ...c.tags]);
    if (categories.length) this.add('CATEGORIES', categories.map((x) => this.text(x)).join(','));
    if (this.v3 && c.kind === 'company') this.add('X-ABSHOWAS', 'COMPANY');
    this.add('REV', revision(c.updatedAt, this.v3));
    this.out.push(...this.kept.plain);
    this.add('END', 'VCARD');
    return this.out;
  }

  /** The device's own line (or Apple label group) while it still describes this entry, else ours. */
  private entry(e: Entry): void {
    const kept = this.kept.entry(e);
    if (kept) this.out.push(...kept);
    else this.out.push(entryLine(e, this.opts.version));
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
export function formattedName(c: Pick<Contact, 'kind' | 'prefix' | 'givenName' | 'middleName' | 'familyName' | 'suffix' | 'organization' | 'nickname' | 'emails'>): string {
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
