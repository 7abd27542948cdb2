// Groups and their members (SPEC Records, S2 group appointments; U5: admin only).
import { z } from 'zod';
import { createGroup, deleteGroup, getGroup, listGroups, setGroupMember } from '../../crm/groups.js';
import { pageInMemory } from '../paging.js';
import type { ApiRouter } from '../router.js';
import { cursorParam, groupSchema, idParams, limitParam, pageOf } from '../schemas.js';

const memberParams = z.object({ id: z.string().min(1).max(200), userId: z.string().min(1).max(200) });

export function groupRoutes(api: ApiRouter): void {
  const ctx = api.app.crm;
  const tag = 'Groups';

  api.add({
    method: 'GET', path: '/groups', operationId: 'listGroups', tag, access: 'admin',
    summary: 'List groups with their members, keyset-paged (by name)',
    query: z.object({ memberId: z.string().min(1).max(200).optional().describe('only groups with this member'), limit: limitParam, cursor: cursorParam }),
    response: { status: 200, description: 'A page of groups', schema: pageOf(groupSchema, 'GroupPage') },
    handler: async ({ query }) => {
      const all = (await listGroups(ctx)).filter((g) => query.memberId === undefined || g.memberIds.includes(query.memberId));
      return pageInMemory(all, (g) => [g.name, g.id], query.limit, query.cursor);
    },
  });

  api.add({
    method: 'POST', path: '/groups', operationId: 'createGroup', tag, access: 'admin',
    summary: 'Create a group',
    body: z.object({ name: z.string().trim().min(1).max(200) }).strict(),
    response: { status: 201, description: 'The new group', schema: groupSchema },
    errors: [409],
    handler: async ({ body }) => createGroup(ctx, body.name),
  });

  api.add({
    method: 'GET', path: '/groups/:id', operationId: 'getGroup', tag, access: 'admin',
    summary: 'Read a group (by id or name)',
    params: idParams,
    response: { status: 200, description: 'The group', schema: groupSchema },
    errors: [404],
    handler: async ({ params }) => getGroup(ctx, params.id),
  });

  api.add({
    method: 'DELETE', path: '/groups/:id', operationId: 'deleteGroup', tag, access: 'admin',
    summary: "Delete a group; its appointments leave the former members' sets (S5)",
    params: idParams,
    response: { status: 204, description: 'Deleted' },
    errors: [404],
    handler: async ({ params }) => { await deleteGroup(ctx, params.id); },
  });

  for (const member of [true, false]) {
    api.add({
      method: member ? 'PUT' : 'DELETE', path: '/groups/:id/members/:userId', operationId: member ? 'addGroupMember' : 'removeGroupMember',
      tag, access: 'admin',
      summary: member ? 'Add a member (the group\'s appointments join their sets, G1)' : 'Remove a member',
      params: memberParams,
      response: { status: 200, description: 'The group as it is now', schema: groupSchema },
      errors: [404],
      handler: async ({ params }) => setGroupMember(ctx, params.id, params.userId, member),
    });
  }
}
