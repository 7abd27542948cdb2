// Groups and colleague calendars (SPEC Records, S2, A4). Membership changes recompute the sets
// of the people concerned, so group appointments appear and vanish on their devices.
import { newId } from '../domain/ids.js';
import type { Group, Id } from '../domain/records.js';
import { conflict, forbidden, invalid, notFound } from '../domain/errors.js';
import { hasRight } from '../domain/scope.js';
import { inTransaction, type CrmContext } from './context.js';
import { recomputeCollection, recomputeForUser } from './membership.js';
import { ensureCollection } from './syncSets.js';
import { getUser } from './users.js';

export async function createGroup(ctx: CrmContext, name: string): Promise<Group> {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200) throw invalid('group name must be 1–200 characters', [{ path: 'name', message: 'invalid' }]);
  if (await ctx.db.selectFrom('groups').select('id').where('name', '=', trimmed).executeTakeFirst()) throw conflict(`group ${trimmed} already exists`);
  const now = ctx.now();
  const g = { id: newId(), name: trimmed, created_at: now, updated_at: now };
  await ctx.db.insertInto('groups').values(g).execute();
  return { id: g.id, name: g.name, memberIds: [], createdAt: now, updatedAt: now };
}

export async function getGroup(ctx: CrmContext, idOrName: string): Promise<Group> {
  const r = await ctx.db.selectFrom('groups').selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)])).executeTakeFirst();
  if (!r) throw notFound('group', idOrName);
  const members = await ctx.db.selectFrom('group_members').select('user_id').where('group_id', '=', r.id).execute();
  return { id: r.id, name: r.name, memberIds: members.map((m) => m.user_id).sort(), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

export async function listGroups(ctx: CrmContext): Promise<Group[]> {
  const rows = await ctx.db.selectFrom('groups').select('id').orderBy('name').execute();
  return Promise.all(rows.map((r) => getGroup(ctx, r.id)));
}

export async function setGroupMember(ctx: CrmContext, groupId: Id, userId: Id, member: boolean): Promise<Group> {
  return inTransaction(ctx, async (tx) => {
    const g = await getGroup(tx, groupId);
    await getUser(tx, userId);
    if (member) {
      await tx.db.insertInto('group_members').values({ group_id: g.id, user_id: userId })
        .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing()).execute();
    } else {
      await tx.db.deleteFrom('group_members').where('group_id', '=', g.id).where('user_id', '=', userId).execute();
    }
    await tx.db.updateTable('groups').set({ updated_at: tx.now() }).where('id', '=', g.id).execute();
    await recomputeForUser(tx, userId);
    return getGroup(tx, g.id);
  });
}

export async function deleteGroup(ctx: CrmContext, groupId: Id): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const g = await getGroup(tx, groupId);
    await tx.db.deleteFrom('groups').where('id', '=', g.id).execute();
    for (const userId of g.memberIds) await recomputeForUser(tx, userId);
  });
}

/**
 * A4: a user with add_colleague_calendars adds the calendar of a colleague of the same
 * department; it becomes its own collection for the viewer.
 */
export async function addColleagueCalendar(ctx: CrmContext, viewerId: Id, ownerId: Id): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const viewer = await getUser(tx, viewerId);
    const owner = await getUser(tx, ownerId);
    if (viewerId === ownerId) throw invalid('a user always sees their own calendar', [{ path: 'ownerId', message: 'same user' }]);
    if (!hasRight(viewer, 'add_colleague_calendars')) throw forbidden(`${viewer.username} lacks the right to add colleagues' calendars (A4)`);
    if (!viewer.isAdmin && (viewer.departmentId === null || viewer.departmentId !== owner.departmentId)) {
      throw forbidden(`${owner.username} is not in ${viewer.username}'s department (A4)`);
    }
    await tx.db.insertInto('calendar_shares').values({ owner_user_id: ownerId, viewer_user_id: viewerId, created_at: tx.now() })
      .onConflict((oc) => oc.columns(['owner_user_id', 'viewer_user_id']).doNothing()).execute();
    const c = await ensureCollection(tx, viewerId, 'calendar', ownerId);
    await recomputeCollection(tx, c);
  });
}

export async function removeColleagueCalendar(ctx: CrmContext, viewerId: Id, ownerId: Id): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    await tx.db.deleteFrom('calendar_shares').where('owner_user_id', '=', ownerId).where('viewer_user_id', '=', viewerId).execute();
    await tx.db.deleteFrom('collections').where('user_id', '=', viewerId).where('unit', '=', 'calendar').where('owner_user_id', '=', ownerId).execute();
  });
}

/** The colleagues whose calendars a user added (A4). */
export async function listColleagueCalendars(ctx: CrmContext, viewerId: Id): Promise<Id[]> {
  const rows = await ctx.db.selectFrom('calendar_shares').select('owner_user_id').where('viewer_user_id', '=', viewerId).orderBy('owner_user_id').execute();
  return rows.map((r) => r.owner_user_id);
}
