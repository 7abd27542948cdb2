// Cuts a multi-vCard file into pieces of about `size` cards at END:VCARD lines, so a 50,000-card
// file is parsed and written batch by batch (bounded memory, steady progress). Each piece carries
// the line and card offsets that turn its positions back into positions in the whole file.

export interface TextPiece {
  text: string;
  /** Lines of the file before this piece. */
  lineOffset: number;
  /** Cards (BEGIN:VCARD lines) of the file before this piece. */
  indexOffset: number;
}

const BEGIN = /^begin:vcard\s*$/i;
const END = /^end:vcard\s*$/i;

export function* vcardPieces(text: string, size: number): Generator<TextPiece> {
  let pieceStart = 0;
  let pieceLine = 0;
  let pieceIndex = 0;
  let line = 0;
  let cards = 0;
  let inPiece = 0;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const next = nl === -1 ? text.length : nl + 1;
    const content = text.slice(pos, nl === -1 ? text.length : nl).replace(/\r$/, '');
    line++;
    if (BEGIN.test(content)) { cards++; inPiece++; }
    pos = next;
    if (inPiece >= size && END.test(content)) {
      yield { text: text.slice(pieceStart, pos), lineOffset: pieceLine, indexOffset: pieceIndex };
      pieceStart = pos;
      pieceLine = line;
      pieceIndex = cards;
      inPiece = 0;
    }
  }
  if (pieceStart < text.length) yield { text: text.slice(pieceStart), lineOffset: pieceLine, indexOffset: pieceIndex };
}

/** Entries in a file, for progress totals before parsing. */
export function countMatches(text: string, re: RegExp): number {
  return text.match(re)?.length ?? 0;
}
