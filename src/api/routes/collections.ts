// Per-user sync sets (issue 2 item 4): the caller's collections with their revisions, and the
// changes since a revision. A revision the change log no longer holds is 410 expired-revision.
import { z } from 'zod';
import { changesSince, getCollection, listCollections } from '../../crm/syncSets.js';
import type { User } from '../../domain/records.js';
import { hasRight } from '../../domain/scope.js';
import { forbiddenError } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { collectionSchema, idParams } from '../schemas.js';

/** A4 "sync for other users": admins and holders of sync_for_others read others' sets. */
function assertMayReadSetsOf(user: User, ownerId: string): void {
  if (ownerId !== user.id && !hasRight(user, 'sync_for_others')) {
    throw forbiddenError("reading other users' sync sets needs the right sync_for_others (A4)");
  }
}

export function collectionRoutes(api: ApiRouter): void {
  const ctx = api.app.crm;
  const tag = 'Sync sets';

  api.add({
    method: 'GET', path: '/collections', operationId: 'listCollections', tag, access: 'user',
    summary: "A user's sync sets (contacts, calendars, tasks) with their current revisions",
    query: z.object({ userId: z.string().min(1).max(200).optional().describe('default: the caller') }),
    response: { status: 200, description: 'Collections', schema: z.object({ items: z.array(collectionSchema) }) },
    errors: [403],
    handler: async ({ query, principal }) => {
      const userId = query.userId ?? principal.user.id;
      assertMayReadSetsOf(principal.user, userId);
      const items = await listCollections(ctx, userId);
      return { items: items.map(({ props: _p, ...c }) => c) };
    },
  });

  api.add({
    method: 'GET', path: '/collections/:id/changes', operationId: 'collectionChanges', tag, access: 'user',
    summary: 'Items that entered, changed in or left the set since a revision',
    description: 'Costs O(changes). One entry per item (its latest op). When `truncated`, ask again from `revision`. '
      + 'A revision older than the retention cut answers 410 with problem type expired-revision: start over from 0 after a full listing.',
    params: idParams,
    query: z.object({
      since: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(10_000).optional(),
    }),
    response: {
      status: 200, description: 'Changes since the revision',
      schema: z.object({
        revision: z.number().int(),
        changes: z.array(z.object({ revision: z.number().int(), itemId: z.string(), op: z.enum(['upsert', 'remove']) })),
        truncated: z.boolean(),
      }).meta({ id: 'CollectionChanges' }),
    },
    errors: [403, 404, 410],
    handler: async ({ params, query, principal }) => {
      const c = await getCollection(ctx, params.id);
      assertMayReadSetsOf(principal.user, c.userId);
      return changesSince(ctx, c.id, query.since, query.limit);
    },
  });
}
