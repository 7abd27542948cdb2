// vCard entry points: one card (CardDAV PUT/GET) and multi-card files (import).
import { ContentLineReader, unfold, rawValue, type ContentLine } from './contentline.js';
import { FormatError, toEntryError, type EntryError } from './errors.js';
import { parseCardLines, type ParsedVCard, type VCardParseOptions } from './vcard-parse.js';

export { emptyContactFields, type ContactFields, type ParsedVCard, type VCardParseOptions } from './vcard-parse.js';
export { PRODID } from './contentline.js';
export { formattedName, renderVCard, type VCardRenderOptions } from './vcard-render.js';

/** Parse exactly one vCard 3.0 or 4.0. Throws FormatError (code 'not-a-contact' for Apple/vCard 4 groups). */
export function parseVCard(text: string, opts: VCardParseOptions = {}): ParsedVCard {
  const lines = unfold(text);
  const begins = lines.filter((l) => isMarker(l, 'BEGIN'));
  if (begins.length > 1) throw new FormatError('malformed', 'more than one vCard in a single resource', begins[1]!.line);
  return parseCardLines(lines, opts);
}

export interface VCardFileEntry {
  /** 1-based position of the card in the file. */
  index: number;
  /** 1-based line of its BEGIN:VCARD. */
  line: number;
  card: ParsedVCard;
}

export interface VCardFileResult {
  entries: VCardFileEntry[];
  errors: EntryError[];
}

/**
 * Parse a file of many vCards (import). Never throws for one bad card: each failure is reported
 * with the card's position and the good ones are kept. Text outside BEGIN/END is ignored.
 */
export function splitVCards(text: string, opts: VCardParseOptions = {}): VCardFileResult {
  const result: VCardFileResult = { entries: [], errors: [] };
  const reader = new ContentLineReader(text);
  let current: ContentLine[] | null = null;
  let index = 0;
  const finish = (card: ContentLine[]) => {
    const start = card[0]!.line;
    try {
      result.entries.push({ index, line: start, card: parseCardLines(card, opts) });
    } catch (e) {
      result.errors.push(toEntryError(index, start, e));
    }
  };
  for (let l = reader.next(); l !== null; l = reader.next()) {
    if (isMarker(l, 'BEGIN')) {
      if (current) finish(current); // unterminated: reported by parseCardLines
      index++;
      current = [l];
    } else if (current) {
      current.push(l);
      if (isMarker(l, 'END')) {
        finish(current);
        current = null;
      }
    }
  }
  if (current) finish(current);
  return result;
}

function isMarker(l: ContentLine, name: 'BEGIN' | 'END'): boolean {
  return l.name === name && rawValue(l.raw).trim().toUpperCase() === 'VCARD';
}

