// One vCard 3.0 (RFC 2426) or 4.0 (RFC 6350) → CRM contact fields + unknown lines (extras).
// Field-by-field table: docs/mapping.md.
import type { Contact, Gender, Photo } from '../domain/records.js';
import { decodeVCard, paramFirst, rawValue, requireValid, type ContentLine, type DecodedProperty, type VCardDesign } from './contentline.js';
import { FormatError } from './errors.js';
import { parseLocal } from './tz.js';
import { componentsOf, ENTRY_PROPERTIES, readEntry, textOf } from './vcard-entries.js';
import { keepsEntryLine, keptNameLines, versionLine, type Version } from './vcard-originals.js';
import { formattedName } from './vcard-render.js';

/** The contact fields a vCard carries: a Contact without its CRM bookkeeping. */
export type ContactFields = Omit<
  Contact,
  'id' | 'externalId' | 'uid' | 'createdAt' | 'updatedAt' | 'version' | 'archived' | 'responsibleUserId'
>;

export interface ParsedVCard {
  fields: ContactFields;
  uid: string | null;
  /** CATEGORIES exactly as sent (I1: the caller maps "Kunde"/"Prospect" words onto the CRM category). */
  categories: string[];
  /**
   * Unfolded raw content lines the CRM has no field for, in input order, and the device's own
   * spelling of mapped ones (vcard-originals.ts); pass back to renderVCard.
   */
  extras: string[];
}

export interface VCardParseOptions {
  /**
   * The CRM's category names. The first CATEGORIES value equal to one of them (case-insensitive)
   * becomes `fields.category` (spelled as in this list); all other values become `tags`.
   */
  categoryNames?: readonly string[];
}

/** Properties we regenerate on every render; never extras. */
const REGENERATED = new Set(['VERSION', 'PRODID', 'REV', 'FN']);

export function emptyContactFields(): ContactFields {
  return {
    kind: 'person', prefix: '', givenName: '', middleName: '', familyName: '', suffix: '', nickname: '',
    organization: '', department: '', jobTitle: '', profession: '', gender: null, birthday: null,
    addresses: [], phones: [], emails: [], websites: [], note: '', photo: null, tags: [], category: null,
  };
}

/** Parse the content lines of one card, BEGIN:VCARD and END:VCARD included. */
export function parseCardLines(lines: readonly ContentLine[], opts: VCardParseOptions = {}): ParsedVCard {
  requireValid(lines);
  const first = lines[0];
  const last = lines[lines.length - 1];
  if (!first || first.name !== 'BEGIN' || rawValue(first.raw).toUpperCase() !== 'VCARD') {
    throw new FormatError('malformed', 'a vCard must start with BEGIN:VCARD', first?.line ?? 1);
  }
  if (lines.length < 2 || last!.name !== 'END' || rawValue(last!.raw).toUpperCase() !== 'VCARD') {
    throw new FormatError('malformed', 'vCard is not terminated by END:VCARD', last?.line ?? 1);
  }
  const body = lines.slice(1, -1);
  const nested = body.find((l) => l.name === 'BEGIN' || l.name === 'END');
  if (nested) throw new FormatError('malformed', `unexpected ${nested.raw.trim()} inside a vCard`, nested.line);

  const design = designFor(body);
  const card = new CardReader(body, design, opts);
  return card.read();
}

function designFor(body: readonly ContentLine[]): VCardDesign {
  const v = body.find((l) => l.name === 'VERSION');
  const version = v ? rawValue(v.raw).trim() : '3.0'; // tolerated: VERSION missing (RFC 6350 §6.7.9 requires it)
  if (version === '4.0') return 'vcard';
  if (version === '3.0') return 'vcard3';
  throw new FormatError('unsupported-version', `vCard version ${version} is not supported; use 3.0 or 4.0`, v?.line ?? null);
}

class CardReader {
  private readonly f = emptyContactFields();
  private readonly extras: string[] = [];
  private readonly seen = new Set<string>();
  private uid: string | null = null;
  private categories: string[] = [];
  private fn = '';
  private readonly fnLines: string[] = [];
  /** Lines of mapped properties kept for their spelling (vcard-originals.ts). */
  private originals = 0;
  private readonly version: Version;
  /** Groups (itemN) holding exactly one TEL/EMAIL/ADR/URL: kept whole as extras so labels survive. */
  private readonly anchors = new Set<string>();
  private readonly labels = new Map<string, string>();

  constructor(
    private readonly body: readonly ContentLine[],
    private readonly design: VCardDesign,
    private readonly opts: VCardParseOptions,
  ) {
    this.version = design === 'vcard3' ? '3.0' : '4.0';
    const entryCount = new Map<string, number>();
    for (const l of body) {
      if (!l.group) continue;
      if (ENTRY_PROPERTIES.has(l.name)) entryCount.set(l.group, (entryCount.get(l.group) ?? 0) + 1);
      if (l.name === 'X-ABLABEL') this.labels.set(l.group, rawValue(l.raw));
    }
    for (const [g, n] of entryCount) if (n === 1) this.anchors.add(g);
  }

  read(): ParsedVCard {
    for (const l of this.body) {
      const anchored = l.group !== null && this.anchors.has(l.group);
      if (anchored) this.extras.push(l.raw);
      if (!this.take(l) && !anchored && !REGENERATED.has(l.name)) this.extras.push(l.raw);
    }
    this.finishNames();
    this.splitCategories();
    const names = keptNameLines(this.fnLines, formattedName(this.f), this.version);
    this.extras.push(...names);
    if (this.originals + names.length > 0) this.extras.unshift(versionLine(this.version));
    return { fields: this.f, uid: this.uid, categories: this.categories, extras: this.extras };
  }

  /** Map one line into the fields; false when the CRM has no place for it (→ extras). */
  private take(l: ContentLine): boolean {
    const entry = readEntry(l, this.design, l.group ? this.labels.get(l.group) ?? null : null);
    if (entry) {
      if (l.group === null && keepsEntryLine(l.raw, entry, this.version)) {
        this.extras.push(l.raw);
        this.originals++;
      }
      if (entry.kind === 'tel') this.f.phones.push(entry.value);
      else if (entry.kind === 'email') this.f.emails.push(entry.value);
      else if (entry.kind === 'adr') this.f.addresses.push(entry.value);
      else this.f.websites.push(entry.value);
      return true;
    }
    if (l.name === 'CATEGORIES') {
      this.categories.push(...decodeVCard(l, this.design).getValues().map(String).map((c) => c.trim()).filter(Boolean));
      return true;
    }
    if (l.name === 'FN') {
      this.fn ||= textOf(decodeVCard(l, this.design));
      if (l.group === null) this.fnLines.push(l.raw);
      return true;
    }
    // Everything below is single-valued in the CRM: a second occurrence is kept as an extra.
    if (this.seen.has(l.name)) return false;
    const taken = this.single(l);
    if (taken) this.seen.add(l.name);
    return taken;
  }

  private prop(l: ContentLine): DecodedProperty {
    return decodeVCard(l, this.design);
  }

  private single(l: ContentLine): boolean {
    const f = this.f;
    switch (l.name) {
      case 'UID': this.uid = textOf(this.prop(l)) || null; return true;
      case 'N': {
        [f.familyName = '', f.givenName = '', f.middleName = '', f.prefix = '', f.suffix = ''] = componentsOf(this.prop(l), ' ');
        return true;
      }
      case 'NICKNAME': f.nickname = this.prop(l).getValues().map(String).join(', '); return true;
      case 'ORG': {
        const [org = '', ...units] = componentsOf(this.prop(l), ',');
        f.organization = org;
        f.department = units.filter(Boolean).join(', ');
        return true;
      }
      case 'TITLE': f.jobTitle = textOf(this.prop(l)); return true;
      case 'ROLE': f.profession = textOf(this.prop(l)); return true;
      case 'NOTE': f.note = textOf(this.prop(l)); return true;
      case 'GENDER': // RFC 6350 §6.2.7: sex component M/F/O/N/U, then optional identity text
        f.gender = genderOf(rawValue(l.raw).split(';')[0]!);
        return true;
      case 'X-GENDER': f.gender = genderOf(textOf(this.prop(l))); return true;
      case 'BDAY': return this.birthday(l);
      case 'PHOTO': return this.photo(l);
      case 'KIND': return this.kind(rawValue(l.raw), l);
      case 'X-ADDRESSBOOKSERVER-KIND': return this.kind(rawValue(l.raw), l);
      case 'X-ABSHOWAS':
        if (rawValue(l.raw).trim().toUpperCase() === 'COMPANY') f.kind = 'company';
        return true;
      default: return false;
    }
  }

  private kind(value: string, l: ContentLine): boolean {
    const v = value.trim().toLowerCase();
    if (v === 'group') throw new FormatError('not-a-contact', 'this vCard is a contact group, not a contact', l.line);
    if (v === 'org' || v === 'organization') this.f.kind = 'company';
    return true;
  }

  /**
   * BDAY (RFC 6350 §6.2.5 date-and-or-time, RFC 2426 §3.1.5 date). Year-less birthdays: vCard 4
   * "--MMDD", Apple's vCard 3 "1604-MM-DD" with X-APPLE-OMIT-YEAR=1604 → "--MM-DD".
   * A text BDAY (VALUE=text, "circa 1800") is kept as an extra.
   */
  private birthday(l: ContentLine): boolean {
    const prop = decodeVCard(l, this.design);
    if ((paramFirst(prop, 'value') ?? '').toLowerCase() === 'text') return false;
    const value = rawValue(l.raw).trim();
    const yearless = /^--(\d{2})-?(\d{2})$/.exec(value);
    if (yearless) {
      const d = parseLocal(`2000${yearless[1]}${yearless[2]}`);
      if (!d) throw new FormatError('malformed', `invalid birthday "${value}"`, l.line);
      this.f.birthday = `--${yearless[1]}-${yearless[2]}`;
      return true;
    }
    const full = /^(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?$/.exec(value);
    const d = full ? parseLocal(`${full[1]}${full[2]}${full[3]}`) : null;
    if (!full || !d) throw new FormatError('malformed', `invalid birthday "${value}"`, l.line);
    const omitYear = paramFirst(prop, 'x-apple-omit-year');
    this.f.birthday = omitYear === full[1] ? `--${full[2]}-${full[3]}` : `${full[1]}-${full[2]}-${full[3]}`;
    return true;
  }

  /**
   * PHOTO: vCard 4 data: URI (RFC 6350 §6.2.4, RFC 2397) or vCard 3 ENCODING=b;TYPE=JPEG
   * (RFC 2426 §3.1.4; some 4.0 writers use it too). A photo by reference (http: URI) is an extra.
   */
  private photo(l: ContentLine): boolean {
    const prop = decodeVCard(l, this.design);
    const value = rawValue(l.raw);
    const encoding = (paramFirst(prop, 'encoding') ?? '').toLowerCase();
    let photo: Photo | null = null;
    if (encoding === 'b' || encoding === 'base64') {
      photo = { mediaType: mediaTypeOf(paramFirst(prop, 'type')), data: value.replace(/\s+/g, '') };
    } else {
      const m = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/is.exec(value);
      if (m && /;base64/i.test(m[2]!)) photo = { mediaType: (m[1] || 'image/jpeg').toLowerCase(), data: m[3]!.replace(/\s+/g, '') };
    }
    if (!photo) return false;
    this.f.photo = photo;
    return true;
  }

  /** vCard 4 may omit N (RFC 6350 §6.2.2): a person's FN is split into given and family name. */
  private finishNames(): void {
    const f = this.f;
    const hasName = [f.prefix, f.givenName, f.middleName, f.familyName, f.suffix].some(Boolean);
    if (f.kind === 'company') {
      if (!f.organization) f.organization = this.fn;
    } else if (!hasName && this.fn && this.fn !== f.organization) {
      const words = this.fn.trim().split(/\s+/);
      f.familyName = words.length > 1 ? words.pop()! : '';
      f.givenName = words.join(' ');
    }
  }

  private splitCategories(): void {
    const names = this.opts.categoryNames ?? [];
    const seen = new Set<string>();
    for (const c of this.categories) {
      const key = c.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      const category = this.f.category === null ? names.find((n) => n.toLowerCase() === key) : undefined;
      if (category !== undefined) this.f.category = category;
      else this.f.tags.push(c);
    }
  }
}

function genderOf(v: string): Gender | null {
  switch (v.trim().toLowerCase()) {
    case 'm': case 'male': return 'male';
    case 'f': case 'female': return 'female';
    case 'o': case 'other': return 'other';
    default: return null; // N (none), U (unknown), empty
  }
}

/** vCard 3 TYPE=JPEG / image/jpeg → "image/jpeg". */
function mediaTypeOf(type: string | null): string {
  const t = (type ?? 'jpeg').toLowerCase();
  return t.includes('/') ? t : `image/${t}`;
}

