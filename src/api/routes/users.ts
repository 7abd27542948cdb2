// Users and their rights (U5, A4: admin only) and each user's sync settings (S1 filters, S2
// window: the user themself or an admin).
import { z } from 'zod';
import { inTransaction } from '../../crm/context.js';
import { createUser, getUser, listUsers, setPassword, updateUser } from '../../crm/users.js';
import { conflict } from '../../domain/errors.js';
import { RIGHTS, type SyncSettings } from '../../domain/records.js';
import { passwordSchema, syncSettingsSchema, usernameSchema } from '../../domain/schemas.js';
import { pageInMemory } from '../paging.js';
import { forbiddenError } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { cursorParam, idParams, limitParam, pageOf, userSchema } from '../schemas.js';

const rights = z.array(z.enum(RIGHTS));
const newUser = z.object({
  username: usernameSchema,
  password: passwordSchema.optional().describe('leave out for users who sign in only with app passwords or tokens'),
  displayName: z.string().min(1).max(200).optional(),
  email: z.string().max(320).regex(/^[^\s@]+@[^\s@]+$/, 'not an e-mail address').nullable().optional(),
  isAdmin: z.boolean().optional(),
  departmentId: z.string().min(1).max(200).nullable().optional(),
  rights: rights.optional(),
}).strict().meta({ id: 'NewUser' });

const userPatch = z.object({
  displayName: z.string().min(1).max(200).optional(),
  email: z.string().max(320).regex(/^[^\s@]+@[^\s@]+$/, 'not an e-mail address').nullable().optional(),
  isAdmin: z.boolean().optional(),
  disabled: z.boolean().optional(),
  departmentId: z.string().min(1).max(200).nullable().optional(),
  rights: rights.optional(),
  password: passwordSchema.optional(),
}).strict().meta({ id: 'UserPatch' });

const settingsPatch = syncSettingsSchema.partial().strict().meta({ id: 'SyncSettingsPatch' });

export function userRoutes(api: ApiRouter): void {
  const ctx = api.app.crm;
  const tag = 'Users';

  api.add({
    method: 'GET', path: '/users', operationId: 'listUsers', tag, access: 'admin',
    summary: 'List users, keyset-paged (by username)',
    query: z.object({
      q: z.string().min(1).max(200).optional().describe('part of username or display name'),
      disabled: z.stringbool().optional(),
      departmentId: z.string().min(1).max(200).optional(),
      limit: limitParam, cursor: cursorParam,
    }),
    response: { status: 200, description: 'A page of users', schema: pageOf(userSchema, 'UserPage') },
    handler: async ({ query }) => {
      const needle = query.q?.toLowerCase();
      const all = (await listUsers(ctx)).filter((u) =>
        (needle === undefined || u.username.includes(needle) || u.displayName.toLowerCase().includes(needle))
        && (query.disabled === undefined || u.disabled === query.disabled)
        && (query.departmentId === undefined || u.departmentId === query.departmentId));
      return pageInMemory(all, (u) => [u.username, u.id], query.limit, query.cursor);
    },
  });

  api.add({
    method: 'POST', path: '/users', operationId: 'createUser', tag, access: 'admin',
    summary: 'Create a user',
    body: newUser,
    response: { status: 201, description: 'The new user', schema: userSchema },
    errors: [409],
    handler: async ({ body, reply }) => {
      const user = await createUser(ctx, body);
      reply.header('location', `/api/users/${user.id}`);
      return user;
    },
  });

  api.add({
    method: 'GET', path: '/users/:id', operationId: 'getUser', tag, access: 'admin',
    summary: 'Read a user',
    params: idParams,
    response: { status: 200, description: 'The user', schema: userSchema },
    errors: [404],
    handler: async ({ params }) => getUser(ctx, params.id),
  });

  api.add({
    method: 'PATCH', path: '/users/:id', operationId: 'updateUser', tag, access: 'admin',
    summary: 'Change a user: name, e-mail, admin, disabled, department, rights (A4), password',
    description: 'Disabling a user ends their API and web access at once; their sync sets empty (S5).',
    params: idParams,
    body: userPatch,
    response: { status: 200, description: 'The user as stored now', schema: userSchema },
    errors: [404, 409],
    handler: async ({ params, body, principal }) => {
      const { password, ...patch } = body;
      if (params.id === principal.user.id && (patch.disabled === true || patch.isAdmin === false)) {
        throw conflict('administrators cannot disable themselves or drop their own admin role; ask another admin');
      }
      return inTransaction(ctx, async (tx) => {
        if (password !== undefined) await setPassword(tx, params.id, password);
        return updateUser(tx, params.id, patch);
      });
    },
  });

  api.add({
    method: 'PATCH', path: '/users/:id/settings', operationId: 'updateSyncSettings', tag, access: 'user',
    summary: 'Change sync settings: contact filters (S1), appointment window (S2), private items (S4)',
    description: 'A user changes their own settings (`:id` may be `me`); an admin anyone\'s. The user\'s sets are recomputed.',
    params: idParams,
    body: settingsPatch,
    response: { status: 200, description: 'The user with the new settings', schema: userSchema },
    errors: [403, 404],
    handler: async ({ params, body, principal }) => {
      const id = params.id === 'me' ? principal.user.id : params.id;
      if (id !== principal.user.id && !principal.user.isAdmin) throw forbiddenError("only admins change other users' settings");
      return updateUser(ctx, id, { settings: body as Partial<SyncSettings> });
    },
  });
}
