// The journal (X5): every change with author, before and after; undo by API. Also the change
// feed for an external CRM: changes made by devices and targets, not its own pushes.
import { z } from 'zod';
import { appointments } from '../../crm/appointments.js';
import { contacts } from '../../crm/contacts.js';
import type { CrmContext } from '../../crm/context.js';
import { getJournalEntry, listJournal, type JournalRecordKind } from '../../crm/journal.js';
import { undoJournalEntry } from '../../crm/undo.js';
import { FOREIGN_AUTHOR_KINDS } from '../../domain/authors.js';
import type { User } from '../../domain/records.js';
import { maySee, visibleAppointments } from '../access.js';
import { badRequest, forbiddenError, notFoundError } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { journalEntrySchema } from '../schemas.js';

const recordKind = z.enum(['contact', 'appointment', 'task', 'tick']);

/** Non-admins reach the history of records they may see (ticks belong to their contact). */
async function mayAccessRecord(ctx: CrmContext, user: User, kind: JournalRecordKind, id: string): Promise<boolean> {
  if (user.isAdmin) return true;
  if (kind === 'contact' || kind === 'tick') {
    const c = await contacts.find(ctx, id);
    return c !== null && maySee(ctx, user, c);
  }
  if (kind === 'appointment') {
    const a = await appointments.find(ctx, id);
    return a !== null && (await visibleAppointments(ctx, user, [a])).length === 1;
  }
  return true;
}

export function journalRoutes(api: ApiRouter): void {
  const ctx = api.app.crm;

  api.add({
    method: 'GET', path: '/changes', operationId: 'changeFeed', tag: 'Change feed', access: 'admin',
    summary: 'Changes made by devices and sync targets, oldest first, after a cursor',
    description: 'For an external CRM taking back what users changed on their devices and cloud accounts. '
      + 'Changes pushed through the API (by tokens or users) are not in the feed. Poll with the returned nextCursor; '
      + 'start with after=0. The same entries go out as webhooks.',
    query: z.object({
      after: z.string().regex(/^\d+$/, 'a cursor from nextCursor, or 0').default('0'),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    response: {
      status: 200, description: 'Changes and the cursor to continue from',
      schema: z.object({ changes: z.array(journalEntrySchema), nextCursor: z.string() }).meta({ id: 'ChangeFeedPage' }),
    },
    handler: async ({ query }) => {
      const changes = await listJournal(ctx, { authorKinds: FOREIGN_AUTHOR_KINDS, after: Number(query.after), limit: query.limit });
      const last = changes[changes.length - 1];
      return { changes, nextCursor: last ? String(last.id) : query.after };
    },
  });

  api.add({
    method: 'GET', path: '/journal', operationId: 'listJournal', tag: 'Journal', access: 'user',
    summary: "A record's history, newest first (X5)",
    description: 'Admins may leave out the record and read the whole journal; users name a record they may see.',
    query: z.object({
      recordKind: recordKind.optional(),
      recordId: z.string().min(1).max(200).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
    response: { status: 200, description: 'Journal entries', schema: z.object({ entries: z.array(journalEntrySchema) }) },
    errors: [403, 404],
    handler: async ({ query, principal }) => {
      if (!principal.user.isAdmin) {
        if (!query.recordKind || !query.recordId) {
          throw badRequest('name the record: recordKind and recordId', [{ path: query.recordKind ? 'recordId' : 'recordKind', message: 'required' }]);
        }
        if (!(await mayAccessRecord(ctx, principal.user, query.recordKind, query.recordId))) {
          throw notFoundError(`${query.recordKind} ${query.recordId} does not exist`);
        }
      }
      return { entries: await listJournal(ctx, { recordKind: query.recordKind, recordId: query.recordId, limit: query.limit }) };
    },
  });

  api.add({
    method: 'POST', path: '/journal/:id/undo', operationId: 'undoJournalEntry', tag: 'Journal', access: 'user',
    summary: 'Undo a journaled change (X5); refused with 409 when the record changed since',
    description: 'Writes the reverse change as a new journal entry. Users undo changes to records they may see; '
      + 'bringing back a deleted record is for admins.',
    params: z.object({ id: z.coerce.number().int().min(1) }),
    response: { status: 200, description: 'The journal entry of the undo', schema: z.object({ entry: journalEntrySchema }) },
    errors: [403, 404, 409],
    handler: async ({ params, principal }) => {
      const entry = await getJournalEntry(ctx, params.id);
      if (!entry) throw notFoundError(`journal entry ${params.id} does not exist`);
      if (!(await mayAccessRecord(ctx, principal.user, entry.recordKind, entry.recordId))) {
        throw forbiddenError(`you may not undo changes to ${entry.recordKind} ${entry.recordId}`);
      }
      return { entry: await undoJournalEntry(ctx, params.id, principal.author) };
    },
  });
}
