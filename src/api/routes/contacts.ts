// Contacts (SPEC Records), their per-user sync ticks (S1; A4 for others' ticks) and the A5
// mass update by filter.
import { z } from 'zod';
import { inTransaction } from '../../crm/context.js';
import { contacts, listContacts, setTick, setTickByFilter, tickedUserIds, type ContactFilter } from '../../crm/contacts.js';
import { CONTACT_KINDS, type Contact, type User } from '../../domain/records.js';
import { contactInputSchema } from '../../domain/schemas.js';
import { hasRight } from '../../domain/scope.js';
import { maySee, visibleContacts } from '../access.js';
import { forbiddenError, notFoundError } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { contactBody, contactSchema, cursorParam, limitParam, pageOf, patchOf } from '../schemas.js';
import { pageVisible, registerRecordRoutes } from './records.js';

const filterFields = {
  kind: z.enum(CONTACT_KINDS).optional(),
  tag: z.string().min(1).max(100).optional(),
  category: z.string().min(1).max(100).optional(),
  responsibleUserId: z.string().min(1).max(200).optional(),
  q: z.string().min(1).max(200).optional().describe('case-insensitive part of the display name'),
  tickedBy: z.string().min(1).max(200).optional().describe('only contacts ticked by this user'),
};

const listQuery = z.object({
  ...filterFields,
  archived: z.stringbool().optional(),
  limit: limitParam,
  cursor: cursorParam,
});

const tickParams = z.object({ id: z.string().min(1).max(200), userId: z.string().min(1).max(200) });

const massTickBody = z.object({
  userId: z.string().min(1).max(200).optional().describe('whose tick; default: the caller'),
  ticked: z.boolean(),
  filter: z.object({ ...filterFields, archived: z.boolean().optional() }).strict().default({}),
}).strict().meta({ id: 'MassTick' });

/** A4: one's own tick always; anyone else's needs tick_for_others. */
function assertMayTickFor(user: User, userId: string): void {
  if (userId !== user.id && !hasRight(user, 'tick_for_others')) {
    throw forbiddenError('setting the sync tick for other users needs the right tick_for_others (A4)');
  }
}

export function contactRoutes(api: ApiRouter): void {
  const ctx = api.app.crm;
  const tag = 'Contacts';
  registerRecordRoutes<Contact>(api, {
    kind: 'contact', plural: 'contacts', tag, store: contacts,
    body: contactBody,
    patch: patchOf(contactInputSchema.shape, 'ContactPatch'),
    schema: contactSchema,
    visible: visibleContacts,
  });

  api.add({
    method: 'GET', path: '/contacts', operationId: 'listContacts', tag, access: 'user',
    summary: 'List contacts by filter, keyset-paged (by display name)',
    description: 'Users without view_all_contacts see unassigned contacts, their own and their department\'s (S1). '
      + 'A page may hold fewer than `limit` items; continue while nextCursor is not null.',
    query: listQuery,
    response: { status: 200, description: 'A page of contacts', schema: pageOf(contactSchema, 'ContactPage') },
    handler: async ({ query, principal }) => {
      const { limit, cursor, ...filter } = query;
      return pageVisible((l, c) => listContacts(ctx, filter as ContactFilter, { limit: l, cursor: c }),
        (items) => visibleContacts(ctx, principal.user, items), limit, cursor);
    },
  });

  api.add({
    method: 'GET', path: '/contacts/:id/ticks', operationId: 'listContactTicks', tag, access: 'user',
    summary: 'Users whose sync tick is set on the contact (S1)',
    params: z.object({ id: z.string().min(1).max(200) }),
    response: { status: 200, description: 'User ids', schema: z.object({ userIds: z.array(z.string()) }) },
    errors: [404],
    handler: async ({ params, principal }) => {
      const contact = await contacts.get(ctx, params.id);
      if (!(await maySee(ctx, principal.user, contact))) throw notFoundError(`contact ${params.id} does not exist`);
      return { userIds: await tickedUserIds(ctx, params.id) };
    },
  });

  for (const ticked of [true, false]) {
    api.add({
      method: ticked ? 'PUT' : 'DELETE', path: '/contacts/:id/ticks/:userId', operationId: ticked ? 'setTick' : 'clearTick', tag, access: 'user',
      summary: ticked ? "Set a user's sync tick on the contact (S1, A4)" : "Clear a user's sync tick on the contact (S1, A4)",
      description: "One's own tick (`:userId` may be `me`) needs no right; another user's needs tick_for_others (A4).",
      params: tickParams,
      response: { status: 200, description: 'Whether the tick changed', schema: z.object({ ticked: z.boolean(), changed: z.boolean() }) },
      errors: [403, 404],
      handler: async ({ params, principal }) => {
        const userId = params.userId === 'me' ? principal.user.id : params.userId;
        assertMayTickFor(principal.user, userId);
        const changed = await inTransaction(ctx, async (tx) => {
          const contact = await contacts.find(tx, params.id);
          if (!contact || !(await maySee(tx, principal.user, contact))) throw notFoundError(`contact ${params.id} does not exist`);
          return setTick(tx, params.id, userId, ticked, principal.author);
        });
        return { ticked, changed };
      },
    });
  }

  api.add({
    method: 'POST', path: '/contacts/ticks', operationId: 'setTicksByFilter', tag, access: 'user',
    summary: 'Mass update: set or clear a user\'s sync tick on every contact of a filter (A5)',
    description: "For another user's ticks the caller needs tick_for_others (A4). One transaction; journaled per contact.",
    body: massTickBody,
    response: { status: 200, description: 'How many ticks changed', schema: z.object({ changed: z.number().int() }) },
    errors: [403],
    handler: async ({ body, principal }) => {
      const userId = body.userId ?? principal.user.id;
      assertMayTickFor(principal.user, userId);
      return { changed: await setTickByFilter(ctx, body.filter as ContactFilter, userId, body.ticked, principal.author) };
    },
  });
}
