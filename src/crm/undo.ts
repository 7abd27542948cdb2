// X5: a journaled change can be undone. Undo writes the reverse change as a new journal entry
// (undo_of) and refuses when the record moved on since, so an undo never silently clobbers a
// later edit.
import type { Author } from '../domain/authors.js';
import { conflict, invalid, notFound } from '../domain/errors.js';
import type { Appointment, Contact, Task } from '../domain/records.js';
import { inTransaction, type CrmContext } from './context.js';
import { contacts, setTick } from './contacts.js';
import { appointments } from './appointments.js';
import { tasks } from './tasks.js';
import { getJournalEntry, markUndone, type JournalEntry } from './journal.js';

function storeFor(kind: JournalEntry['recordKind']) {
  switch (kind) {
    case 'contact': return contacts;
    case 'appointment': return appointments;
    case 'task': return tasks;
    case 'tick': return null;
    default: { const never: never = kind; throw new Error(`unknown record kind ${String(never)}`); }
  }
}

export async function undoJournalEntry(ctx: CrmContext, entryId: number, author: Author): Promise<JournalEntry> {
  return inTransaction(ctx, async (tx) => {
    const entry = await getJournalEntry(tx, entryId);
    if (!entry) throw notFound('journal entry', String(entryId));
    if (entry.undoneBy !== null) throw conflict(`journal entry ${entryId} was already undone by entry ${entry.undoneBy}`);
    let undoId: number;
    const store = storeFor(entry.recordKind);
    if (store === null) {
      if (!entry.subjectUserId) throw invalid(`journal entry ${entryId} names no user`);
      const wasTicked = entry.action === 'tick';
      const changed = await setTick(tx, entry.recordId, entry.subjectUserId, !wasTicked, author);
      if (!changed) throw conflict(`the tick of contact ${entry.recordId} has changed since entry ${entryId}`);
      const latest = await tx.db.selectFrom('journal').select('id').where('record_kind', '=', 'tick')
        .where('record_id', '=', entry.recordId).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      undoId = Number(latest.id);
      await tx.db.updateTable('journal').set({ undo_of: entryId }).where('id', '=', undoId).execute();
    } else {
      const current = await store.find(tx, entry.recordId);
      const after = entry.after as (Contact | Appointment | Task | null);
      const unchangedSince = after === null ? current === null : current !== null && current.version === after.version;
      if (!unchangedSince) throw conflict(`${entry.recordKind} ${entry.recordId} has changed since journal entry ${entryId}; undo the later changes first`);
      undoId = await (store.restore as (c: CrmContext, id: string, s: unknown, a: Author, u: number) => Promise<number>)(tx, entry.recordId, entry.before, author, entryId);
    }
    await markUndone(tx, entryId, undoId);
    const written = await getJournalEntry(tx, undoId);
    if (!written) throw new Error('undo entry vanished');
    return written;
  });
}
