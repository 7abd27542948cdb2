// Colleagues' calendars a user adds to their devices (SPEC A4: right add_colleague_calendars,
// same department). Each becomes its own read-only calendar collection for that user.
import { z } from 'zod';
import type { User } from '../../domain/records.js';
import { hasRight } from '../../domain/scope.js';
import { addColleagueCalendar, listColleagueCalendars, removeColleagueCalendar } from '../../crm/groups.js';
import { getUser } from '../../crm/users.js';
import { forbiddenError } from '../problem.js';
import type { ApiRouter } from '../router.js';

const viewerParams = z.object({ id: z.string().min(1).max(200) });

/** A user manages their own list; admins and holders of sync_for_others manage others' (A4). */
function assertMayManage(actor: User, viewerId: string): void {
  if (actor.id !== viewerId && !hasRight(actor, 'sync_for_others')) {
    throw forbiddenError("managing other users' calendars needs the right sync_for_others (A4)");
  }
}

export function colleagueCalendarRoutes(api: ApiRouter): void {
  const ctx = api.app.crm;
  const tag = 'Sync sets';
  const resolve = async (id: string, actor: User) => (id === 'me' ? actor.id : (await getUser(ctx, id)).id);

  api.add({
    method: 'GET', path: '/users/:id/colleague-calendars', operationId: 'listColleagueCalendars', tag, access: 'user',
    summary: "Colleagues whose calendars the user added (A4); `me` for the caller", params: viewerParams,
    response: { status: 200, description: 'Owner user ids', schema: z.object({ items: z.array(z.string()) }) }, errors: [403, 404],
    handler: async ({ params, principal }) => {
      const viewerId = await resolve(params.id, principal.user);
      assertMayManage(principal.user, viewerId);
      return { items: await listColleagueCalendars(ctx, viewerId) };
    },
  });

  api.add({
    method: 'POST', path: '/users/:id/colleague-calendars', operationId: 'addColleagueCalendar', tag, access: 'user',
    summary: "Add a colleague's calendar (A4: needs add_colleague_calendars and the same department)", params: viewerParams,
    body: z.object({ ownerId: z.string().min(1).max(200) }).strict(),
    response: { status: 204, description: 'Added' }, errors: [400, 403, 404],
    handler: async ({ params, body, principal }) => {
      const viewerId = await resolve(params.id, principal.user);
      assertMayManage(principal.user, viewerId);
      await addColleagueCalendar(ctx, viewerId, body.ownerId);
    },
  });

  api.add({
    method: 'DELETE', path: '/users/:id/colleague-calendars/:ownerId', operationId: 'removeColleagueCalendar', tag, access: 'user',
    summary: "Remove a colleague's calendar from the user's devices", params: viewerParams.extend({ ownerId: z.string().min(1).max(200) }),
    response: { status: 204, description: 'Removed' }, errors: [403, 404],
    handler: async ({ params, principal }) => {
      const viewerId = await resolve(params.id, principal.user);
      assertMayManage(principal.user, viewerId);
      await removeColleagueCalendar(ctx, viewerId, params.ownerId);
    },
  });
}
