// A device's own spelling of the vCard properties the CRM maps (issue 3 item 8: a card a device
// uploads comes back without loss). The CRM keeps values, not spellings: a fax is a fax whether
// the device wrote TYPE=work,fax or TYPE=FAX, a number typed TYPE=MAIN is an "other" phone, and
// Evolution's X-EVOLUTION-UI-SLOT or an FN the device chose has no field at all. So the parser
// also keeps such lines among the extras, and the renderer writes a kept line in place of its own
// while the CRM value it maps to is unchanged — and its own line once the CRM changed the value
// (the CRM's value wins; a stale spelling is dropped). Kept in extras (docs/mapping.md):
//
//  - Apple label groups (itemN.TEL + itemN.X-ABLabel) with exactly one TEL/EMAIL/ADR/URL, whole;
//  - ungrouped TEL/EMAIL/ADR/URL lines that differ from what the renderer writes for their value;
//  - FN lines, when the card's FN is not the one the renderer derives from the name fields,
//    marked with that derived name (X-CRMSYNC-NAME) so the renderer can tell whether the name
//    changed since;
//  - VERSION, whenever lines of the two kinds above are kept: they are written back only into a
//    card of the same version (a 4.0 `PREF=1` or `VALUE=uri` has no place in a 3.0 card).
//    Apple groups are valid in both versions and are written into either, as before.
import { escapeText, formatLine, headOf, paramValue, rawValue } from './contentline.js';
import { entryHead, entryKey, entryValue, ENTRY_PROPERTIES, readEntry, type Entry } from './vcard-entries.js';

export type Version = '3.0' | '4.0';

/** Parameter carrying the FN the renderer would derive, on a kept FN line; never written out. */
const NAME_MARK = 'X-CRMSYNC-NAME';

/** Is the device's ungrouped entry line worth keeping (the renderer would write it differently)? */
export function keepsEntryLine(raw: string, entry: Entry, version: Version): boolean {
  const head = entryHead(entry, version);
  if (!raw.startsWith(head) || raw.charCodeAt(head.length) !== 58 /* : */) return true;
  const value = entryValue(entry, version);
  return raw.length !== head.length + 1 + value.length || !raw.endsWith(value);
}

/** The FN lines to keep (marked with the derived name), or none when the renderer writes the same FN. */
export function keptNameLines(fnLines: readonly string[], derived: string, version: Version): string[] {
  if (fnLines.length === 0) return [];
  if (fnLines.length === 1 && fnLines[0] === formatLine('FN', [], escapeText(derived, version === '3.0'))) return [];
  const mark = `;${NAME_MARK}=${paramValue(derived)}`;
  return fnLines.map((raw) => {
    const end = nameEnd(raw);
    return raw.slice(0, end) + mark + raw.slice(end);
  });
}

export const versionLine = (version: Version) => formatLine('VERSION', [], version);

/** Index of the ";" or ":" that ends the (group and) property name. */
function nameEnd(raw: string): number {
  const m = /[;:]/.exec(raw);
  return m ? m.index : raw.length;
}

interface Kept { key: string; lines: string[]; used: boolean }

/** Extras split for the renderer: the kept originals by what they stand for, and the rest. */
export class KeptLines {
  /** Extras the CRM has no field for, written unchanged before END. */
  readonly plain: string[] = [];
  private readonly entries: Kept[] = [];
  private readonly names: Array<{ raw: string; end: number }> = [];

  constructor(extras: readonly string[], version: Version) {
    const design = version === '3.0' ? 'vcard3' : 'vcard';
    const heads = extras.map((raw) => headOf(raw));
    const source = heads.find((h) => h?.name === 'VERSION' && h.group === null);
    // Legacy extras (before VERSION was kept) hold no ungrouped originals: nothing to gate.
    const sameVersion = !source || rawValue(source.raw).trim() === version;
    const groups = new Map<string, string[]>();
    heads.forEach((h, i) => {
      if (h?.group) groups.set(h.group, [...(groups.get(h.group) ?? []), extras[i]!]);
    });
    const anchored = new Set<string>();
    for (const [group, lines] of groups) {
      const groupHeads = lines.map((raw) => headOf(raw)!);
      const label = groupHeads.find((h) => h.name === 'X-ABLABEL');
      const found = groupHeads.map((h) => readEntry(h, design, label ? rawValue(label.raw) : null)).filter((e) => e !== null);
      if (found.length !== 1) continue;
      this.entries.push({ key: entryKey(found[0]!), lines, used: false });
      anchored.add(group);
    }
    heads.forEach((h, i) => {
      const raw = extras[i]!;
      if (h?.group) {
        if (!anchored.has(h.group)) this.plain.push(raw);
      } else if (h?.name === 'VERSION') {
        // only tells the version of the originals
      } else if (h && ENTRY_PROPERTIES.has(h.name)) {
        if (sameVersion) this.entries.push({ key: entryKey(readEntry(h, design, null)!), lines: [raw], used: false });
      } else if (h?.name === 'FN') {
        if (sameVersion) this.names.push({ raw, end: nameEnd(raw) });
      } else {
        this.plain.push(raw);
      }
    });
  }

  /** The kept lines standing for this entry while it is unchanged in the CRM (each used once), or null. */
  entry(e: Entry): string[] | null {
    const key = entryKey(e);
    const kept = this.entries.find((k) => !k.used && k.key === key);
    if (!kept) return null;
    kept.used = true;
    return kept.lines;
  }

  /** The device's FN lines while the name they were sent with is the CRM's name still, or null. */
  formattedName(derived: string): string[] | null {
    const mark = `;${NAME_MARK}=${paramValue(derived)}`;
    const out = this.names
      .filter((n) => n.raw.startsWith(mark, n.end) && /[;:]/.test(n.raw[n.end + mark.length] ?? ''))
      .map((n) => n.raw.slice(0, n.end) + n.raw.slice(n.end + mark.length));
    return out.length > 0 ? out : null;
  }
}
