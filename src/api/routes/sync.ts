// Remote targets and sync channels (issue 4 items 1 and 3; SPEC A2, A3, A4, D1, D2, H1–H3, L1, L3).
// A user manages their own; admins and holders of sync_for_others manage other users' (A4).
import { z } from 'zod';
import { UNITS, type User } from '../../domain/records.js';
import { hasRight } from '../../domain/scope.js';
import type { CrmContext } from '../../crm/context.js';
import { getUser } from '../../crm/users.js';
import { addTarget, getTarget, listTargets, removeTarget, resetTarget, updateTargetPassword } from '../../sync/engine/targets.js';
import { getChannel, listChannels, updateChannel } from '../../sync/engine/channels.js';
import { requestSync, requestSyncAll } from '../../sync/engine/schedule.js';
import { channelEvents, itemHistory, listRuns } from '../../sync/engine/history.js';
import { forbiddenError } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { idParams } from '../schemas.js';

const unit = z.enum(UNITS);
const mode = z.enum(['off', 'one-way', 'two-way']);

const targetSchema = z.object({
  id: z.string(), userId: z.string(), kind: z.literal('caldav'), label: z.string(), url: z.string(), username: z.string(),
  status: z.enum(['active', 'auth-failed']), statusReason: z.string().nullable(), createdAt: z.number().int(),
}).meta({ id: 'Target' });

const countsSchema = z.object({ created: z.number(), updated: z.number(), deleted: z.number(), skipped: z.number(), conflicts: z.number() });
const channelSchema = z.object({
  id: z.string(), targetId: z.string(), userId: z.string(), unit, remoteCollection: z.string(), mode,
  conflictPolicy: z.enum(['crm-wins', 'remote-wins', 'merge']), contactDeletion: z.enum(['untick', 'archive']),
  automatic: z.boolean(), intervalMs: z.number(), batchSize: z.number(), crmRevision: z.number().nullable(),
  remoteCursor: z.string().nullable(),
  status: z.enum(['idle', 'continuing', 'paused', 'suspended', 'auth-failed']), statusReason: z.string().nullable(),
  consecutiveFailures: z.number(), nextRunAt: z.number().nullable(), lastRunAt: z.number().nullable(), lastSuccessAt: z.number().nullable(),
  progress: z.object({ done: z.number(), total: z.number() }), counts: countsSchema,
}).meta({ id: 'Channel' });

const eventSchema = z.object({
  at: z.number(), channelId: z.string(), runId: z.number().nullable(), crmId: z.string().nullable(), remoteHref: z.string().nullable(),
  direction: z.enum(['to-remote', 'to-crm', 'both', 'none']), action: z.string(), result: z.enum(['ok', 'skipped', 'failed', 'conflict']), message: z.string(),
}).meta({ id: 'SyncEvent' });

const runSchema = z.object({
  id: z.number(), channelId: z.string(), trigger: z.enum(['auto', 'manual']), startedAt: z.number(), finishedAt: z.number().nullable(),
  status: z.enum(['running', 'completed', 'completed-with-warnings', 'failed', 'paused', 'continuing']), counts: countsSchema, error: z.string().nullable(),
}).meta({ id: 'SyncRun' });

/** A4: acting on another user's sync needs sync_for_others. */
function assertMayManage(actor: User, userId: string): void {
  if (actor.id !== userId && !hasRight(actor, 'sync_for_others')) {
    throw forbiddenError("managing other users' sync needs the right sync_for_others (A4)");
  }
}

async function ownedTarget(ctx: CrmContext, actor: User, id: string) {
  const t = await getTarget(ctx, id);
  assertMayManage(actor, t.userId);
  return t;
}

async function ownedChannel(ctx: CrmContext, actor: User, id: string) {
  const c = await getChannel(ctx, id);
  assertMayManage(actor, c.userId);
  return c;
}

export function syncRoutes(api: ApiRouter): void {
  const { crm: ctx, keyring } = api.app;
  const tag = 'Sync';

  api.add({
    method: 'POST', path: '/targets', operationId: 'addTarget', tag, access: 'user',
    summary: 'Connect a remote CalDAV/CardDAV account',
    description: 'The credentials are checked against the server (A2), stored encrypted and never returned. When the account has exactly '
      + 'one address book, one event calendar and one task list they are bound; otherwise name them in `collections`. '
      + 'An account already connected (by anyone) answers 409 (A3).',
    body: z.object({
      userId: z.string().min(1).max(200).optional().describe('default: the caller'),
      url: z.string().min(1).max(2000), username: z.string().min(1).max(500), password: z.string().min(1).max(2000),
      label: z.string().min(1).max(200).optional(),
      collections: z.object({ contacts: z.string().max(2000), calendar: z.string().max(2000), tasks: z.string().max(2000) }).partial().optional(),
      modes: z.object({ contacts: mode, calendar: mode, tasks: mode }).partial().optional(),
      intervalMinutes: z.number().int().min(1).max(1440).optional(),
    }).strict(),
    response: { status: 201, description: 'Connected', schema: z.object({ target: targetSchema, bound: z.record(z.string(), z.string()) }) },
    errors: [400, 403, 404, 409],
    handler: async ({ body, principal, reply }) => {
      const userId = body.userId ?? principal.user.id;
      assertMayManage(principal.user, userId);
      await getUser(ctx, userId);
      const r = await addTarget(ctx, keyring, {
        userId, url: body.url, username: body.username, password: body.password, label: body.label,
        collections: body.collections, modes: body.modes, intervalMs: body.intervalMinutes ? body.intervalMinutes * 60_000 : undefined,
      });
      reply.code(201);
      return { target: r.target, bound: r.bound };
    },
  });

  api.add({
    method: 'GET', path: '/targets', operationId: 'listTargets', tag, access: 'user',
    summary: "A user's connected accounts (never their credentials)",
    query: z.object({ userId: z.string().min(1).max(200).optional() }),
    response: { status: 200, description: 'Targets', schema: z.object({ items: z.array(targetSchema) }) },
    handler: async ({ query, principal }) => {
      const userId = query.userId ?? principal.user.id;
      assertMayManage(principal.user, userId);
      return { items: await listTargets(ctx, userId) };
    },
  });

  api.add({
    method: 'DELETE', path: '/targets/:id', operationId: 'removeTarget', tag, access: 'user',
    summary: 'Disconnect an account (its copies stay on the account; the CRM is untouched)',
    params: idParams, response: { status: 204, description: 'Removed' }, errors: [403, 404],
    handler: async ({ params, principal }) => {
      await ownedTarget(ctx, principal.user, params.id);
      await removeTarget(ctx, params.id);
    },
  });

  api.add({
    method: 'POST', path: '/targets/:id/reset', operationId: 'resetTarget', tag, access: 'user',
    summary: 'Reset the sync state (H3): the next run re-links existing items instead of duplicating them (M1)',
    params: idParams, response: { status: 204, description: 'Reset' }, errors: [403, 404],
    handler: async ({ params, principal }) => {
      await ownedTarget(ctx, principal.user, params.id);
      await resetTarget(ctx, params.id);
    },
  });

  api.add({
    method: 'PUT', path: '/targets/:id/password', operationId: 'signInAgain', tag, access: 'user',
    summary: 'Sign in again: new credentials, checked against the server (L4)',
    params: idParams, body: z.object({ password: z.string().min(1).max(2000) }).strict(),
    response: { status: 204, description: 'Stored' }, errors: [400, 403, 404],
    handler: async ({ params, body, principal }) => {
      await ownedTarget(ctx, principal.user, params.id);
      await updateTargetPassword(ctx, keyring, params.id, body.password);
    },
  });

  api.add({
    method: 'GET', path: '/channels', operationId: 'listChannels', tag, access: 'user',
    summary: 'Sync state per target and unit (H1): status, progress, counts, failures, next run',
    query: z.object({ userId: z.string().min(1).max(200).optional() }),
    response: { status: 200, description: 'Channels', schema: z.object({ items: z.array(channelSchema) }) },
    handler: async ({ query, principal }) => {
      const userId = query.userId ?? principal.user.id;
      assertMayManage(principal.user, userId);
      return { items: await listChannels(ctx, { userId }) };
    },
  });

  api.add({
    method: 'PATCH', path: '/channels/:id', operationId: 'updateChannel', tag, access: 'user',
    summary: 'Direction (D1), automatic or manual (D2), conflict policy (C1), contact deletion (X1), interval, batch size (L1)',
    params: idParams,
    body: z.object({
      mode, automatic: z.boolean(), conflictPolicy: z.enum(['crm-wins', 'remote-wins', 'merge']),
      contactDeletion: z.enum(['untick', 'archive']), intervalMinutes: z.number().int().min(1).max(1440), batchSize: z.number().int().min(10).max(5000),
    }).partial().strict(),
    response: { status: 200, description: 'Updated', schema: channelSchema }, errors: [400, 403, 404],
    handler: async ({ params, body, principal }) => {
      await ownedChannel(ctx, principal.user, params.id);
      const { intervalMinutes, ...rest } = body;
      await updateChannel(ctx, params.id, { ...rest, ...(intervalMinutes ? { intervalMs: intervalMinutes * 60_000 } : {}) });
      return getChannel(ctx, params.id);
    },
  });

  api.add({
    method: 'POST', path: '/channels/:id/sync', operationId: 'syncNow', tag, access: 'user',
    summary: '"Sync now" for one unit (D2); also restarts a suspended automatic sync (L3) and answers a paused mass deletion (X6)',
    params: idParams,
    body: z.object({ confirmMassDeletion: z.boolean().optional() }).strict().optional(),
    response: { status: 202, description: 'Queued', schema: channelSchema }, errors: [403, 404],
    handler: async ({ params, body, principal, reply }) => {
      await ownedChannel(ctx, principal.user, params.id);
      reply.code(202);
      return requestSync(ctx, params.id, { confirmMassDeletion: body?.confirmMassDeletion });
    },
  });

  api.add({
    method: 'POST', path: '/sync', operationId: 'syncAll', tag, access: 'user',
    summary: '"Sync all" (D2): every unit of every target of a user, or one unit',
    body: z.object({ userId: z.string().min(1).max(200).optional(), unit: unit.optional() }).strict().optional(),
    response: { status: 202, description: 'Queued', schema: z.object({ items: z.array(channelSchema) }) }, errors: [403],
    handler: async ({ body, principal, reply }) => {
      const userId = body?.userId ?? principal.user.id;
      assertMayManage(principal.user, userId);
      reply.code(202);
      return { items: await requestSyncAll(ctx, userId, body?.unit) };
    },
  });

  api.add({
    method: 'GET', path: '/channels/:id/runs', operationId: 'channelRuns', tag, access: 'user',
    summary: 'Run log of a channel (L3)', params: idParams,
    response: { status: 200, description: 'Runs, newest first', schema: z.object({ items: z.array(runSchema) }) }, errors: [403, 404],
    handler: async ({ params, principal }) => {
      await ownedChannel(ctx, principal.user, params.id);
      return { items: await listRuns(ctx, params.id) };
    },
  });

  api.add({
    method: 'GET', path: '/channels/:id/events', operationId: 'channelEvents', tag, access: 'user',
    summary: 'Item events of a channel; `failures=true` lists each failure with time, item and error text (L3)',
    params: idParams,
    query: z.object({ failures: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
    response: { status: 200, description: 'Events, newest first', schema: z.object({ items: z.array(eventSchema) }) }, errors: [403, 404],
    handler: async ({ params, query, principal }) => {
      await ownedChannel(ctx, principal.user, params.id);
      return { items: await channelEvents(ctx, params.id, { limit: query.limit, failuresOnly: query.failures === 'true' }) };
    },
  });

  api.add({
    method: 'GET', path: '/items/:id/sync-history', operationId: 'itemSyncHistory', tag, access: 'user',
    summary: 'The last 3 sync events of a CRM record (H2, U3)', params: idParams,
    response: { status: 200, description: 'Events, newest first', schema: z.object({ items: z.array(eventSchema) }) },
    handler: async ({ params, principal }) => {
      const events = await itemHistory(ctx, params.id, 3);
      // Only events of channels the caller may see.
      const allowed: typeof events = [];
      for (const e of events) {
        const c = await getChannel(ctx, e.channelId);
        if (c.userId === principal.user.id || hasRight(principal.user, 'sync_for_others')) allowed.push(e);
      }
      return { items: allowed };
    },
  });
}
