// The CPU half of a vCard import (issue 2 items 7 and 10): parse one piece of a file, validate
// every card with the REST API's schema and draft its row (draftContact). Pure (no database), so
// it runs on the main thread for small files and in the parse workers (parseWorker.ts) for big
// ones with the same result.
import { draftContact, type ContactDraft } from '../crm/rows.js';
import { contactInputSchema } from '../domain/schemas.js';
import { splitVCards } from '../formats/vcard.js';
import { CONTACT_CATEGORIES } from './categories.js';
import { issueText } from './validation.js';

/** A broken card, positioned within its piece (0-based card index and 1-based line, like splitVCards). */
export interface PieceFailure { index: number; line: number; message: string }

export interface ParsedPiece {
  /** Valid contacts in card order. */
  contacts: ContactDraft[];
  /** Parse errors first, then validation errors (the order the single-threaded import always reported). */
  failures: PieceFailure[];
  /** Cards seen (valid or not), for progress. */
  entries: number;
}

export function parseVCardPiece(text: string): ParsedPiece {
  const { entries, errors } = splitVCards(text, { categoryNames: CONTACT_CATEGORIES });
  const failures: PieceFailure[] = errors.map((e) => ({ index: e.index, line: e.line, message: e.message }));
  const contacts: ContactDraft[] = [];
  for (const e of entries) {
    const parsed = contactInputSchema.safeParse({ ...e.card.fields, ...(e.card.uid ? { uid: e.card.uid } : {}) });
    if (parsed.success) contacts.push(draftContact(parsed.data));
    else failures.push({ index: e.index, line: e.line, message: issueText('contact', parsed.error.issues) });
  }
  return { contacts, failures, entries: entries.length + errors.length };
}
