// vCard files → contacts (issue 2 item 7): parsed piece by piece, validated with the same schema
// as the REST API, then created or matched by UID in batches through importContacts (one
// transaction per batch). The importing user's sync tick is set with --tick (S1).
import type { Author } from '../domain/authors.js';
import type { Id } from '../domain/records.js';
import { contactInputSchema, type ContactData } from '../domain/schemas.js';
import { importContacts } from '../crm/contacts.js';
import type { CrmContext } from '../crm/context.js';
import { splitVCards } from '../formats/vcard.js';
import { CONTACT_CATEGORIES } from './categories.js';
import { countMatches, vcardPieces } from './chunks.js';
import type { ProgressCounter } from './progress.js';
import type { ImportReport } from './report.js';
import { issueText } from './validation.js';

export interface ContactImportOptions {
  author: Author;
  tickUserId: Id | null;
  batchSize: number;
}

export const countVCards = (text: string) => countMatches(text, /^begin:vcard\s*$/gim);

/** FormatError messages name lines of the piece they were parsed from; make them lines of the file. */
function shiftLines(message: string, offset: number): string {
  return offset === 0 ? message : message.replace(/^line (\d+):/, (_, n: string) => `line ${Number(n) + offset}:`);
}

export async function importVCardText(
  ctx: CrmContext, file: string, text: string, opts: ContactImportOptions, report: ImportReport, progress: ProgressCounter,
): Promise<void> {
  for (const piece of vcardPieces(text, opts.batchSize)) {
    const { entries, errors } = splitVCards(piece.text, { categoryNames: CONTACT_CATEGORIES });
    for (const e of errors) {
      report.failures.push({ file, index: e.index + piece.indexOffset, line: e.line + piece.lineOffset, message: shiftLines(e.message, piece.lineOffset) });
    }
    const batch: ContactData[] = [];
    for (const e of entries) {
      const parsed = contactInputSchema.safeParse({ ...e.card.fields, ...(e.card.uid ? { uid: e.card.uid } : {}) });
      if (parsed.success) batch.push(parsed.data);
      else report.failures.push({ file, index: e.index + piece.indexOffset, line: e.line + piece.lineOffset, message: issueText('contact', parsed.error.issues) });
    }
    const results = batch.length > 0 ? await importContacts(ctx, batch, opts.author, opts.tickUserId) : [];
    for (const r of results) report.add('contacts', r.matched);
    progress.advance(entries.length + errors.length);
  }
}
