// `crmsync journal` and `crmsync undo` (SPEC X5: every change journaled, and undoable).
import type { Command } from 'commander';
import type { Author } from '../../domain/authors.js';
import { listJournal } from '../../crm/journal.js';
import { undoJournalEntry } from '../../crm/undo.js';
import { withApp } from '../app.js';
import { UsageError } from '../errors.js';
import { formatTable, isoTime } from '../table.js';

/** Changes made from the command line are the operator's, not any CRM user's. */
export const CLI_AUTHOR: Author = { kind: 'system', id: null, label: 'cli' };

export function positiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a positive whole number, not "${value}"`);
  return n;
}

export function registerJournal(program: Command): void {
  program.command('journal').description('show the latest journaled changes (newest first)')
    .option('--record <id>', 'only changes of this record')
    .option('--limit <n>', 'how many entries', '20')
    .action(async (flags: { record?: string; limit: string }, cmd: Command) => {
      const limit = positiveInt(flags.limit, '--limit');
      await withApp(cmd, async (app) => {
        const entries = await listJournal(app.crm, { limit, ...(flags.record ? { recordId: flags.record } : {}) });
        const rows = entries.map((e) => [
          String(e.id), isoTime(e.at), `${e.author.kind}:${e.author.label}`, e.recordKind, e.recordId, e.action,
          e.undoneBy !== null ? `undone by ${e.undoneBy}` : e.undoOf !== null ? `undoes ${e.undoOf}` : '',
        ]);
        process.stdout.write(formatTable(['ID', 'AT', 'AUTHOR', 'KIND', 'RECORD', 'ACTION', 'UNDO'], rows));
      });
    });

  program.command('undo <journalId>').description('undo one journaled change (refused when the record changed since)')
    .action(async (journalId: string, _flags: unknown, cmd: Command) => {
      const id = positiveInt(journalId, 'JOURNAL_ID');
      await withApp(cmd, async (app) => {
        const entry = await undoJournalEntry(app.crm, id, CLI_AUTHOR);
        process.stdout.write(`undid journal entry ${id}: ${entry.recordKind} ${entry.recordId} ${entry.action} (entry ${entry.id})\n`);
      });
    });
}
