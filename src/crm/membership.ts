// Keeps the per-user sync sets true on every write (issue 2 item 4): after a record changes,
// work out which users' collections it belongs to now (pure rules in domain/scope.ts) and let
// syncSets.reconcileItem log the difference. Whole-collection recomputation serves the rarer
// events that change a user's view of many records (filters, groups, shares, enable/disable).
import type { Appointment, Contact, Id, Task, Unit } from '../domain/records.js';
import { appointmentInSet, contactInSet, DAY_MS, taskInSet, type ScopeUser } from '../domain/scope.js';
import { chunks, type CrmContext } from './context.js';
import { rowToAppointment, rowToContact, rowToTask } from './rows.js';
import { ensureCollection, listMembers, recordChanges, reconcileItem, type ChangeOp, type Collection } from './syncSets.js';
import { loadScopeUsers } from './users.js';

function departmentLookup(users: ReadonlyMap<Id, ScopeUser>): (id: Id) => Id | null {
  return (id) => users.get(id)?.departmentId ?? null;
}

export async function reconcileContact(ctx: CrmContext, contact: Contact, contentChanged: boolean): Promise<void> {
  const ticks = await ctx.db.selectFrom('contact_ticks').select('user_id').where('contact_id', '=', contact.id).execute();
  const ids = ticks.map((t) => t.user_id);
  const users = await loadScopeUsers(ctx, contact.responsibleUserId ? [...ids, contact.responsibleUserId] : ids);
  const desired = new Set<string>();
  for (const userId of ids) {
    const user = users.get(userId);
    if (user && contactInSet(user, contact, true, departmentLookup(users))) {
      desired.add((await ensureCollection(ctx, userId, 'contacts')).id);
    }
  }
  await reconcileItem(ctx, contact.id, desired, contentChanged);
}

/** The people an appointment concerns: organizer, invited users, members of invited groups. */
async function participantsOf(ctx: CrmContext, appointment: Appointment): Promise<Set<Id>> {
  const people = new Set<Id>();
  if (appointment.organizerUserId) people.add(appointment.organizerUserId);
  const groupIds: Id[] = [];
  for (const a of appointment.attendees) {
    if (a.kind === 'user') people.add(a.userId);
    if (a.kind === 'group') groupIds.push(a.groupId);
  }
  if (groupIds.length > 0) {
    const members = await ctx.db.selectFrom('group_members').select('user_id').where('group_id', 'in', groupIds).execute();
    for (const m of members) people.add(m.user_id);
  }
  return people;
}

async function groupsOf(ctx: CrmContext, userIds: readonly Id[]): Promise<Map<Id, Set<Id>>> {
  const out = new Map<Id, Set<Id>>(userIds.map((id) => [id, new Set<Id>()]));
  for (const part of chunks(userIds, 500)) {
    const rows = await ctx.db.selectFrom('group_members').select(['user_id', 'group_id']).where('user_id', 'in', part).execute();
    for (const r of rows) out.get(r.user_id)?.add(r.group_id);
  }
  return out;
}

export async function reconcileAppointment(ctx: CrmContext, appointment: Appointment, window: { lastEnd: number | null }, contentChanged: boolean): Promise<void> {
  const owners = [...await participantsOf(ctx, appointment)];
  // Viewers: each owner sees their own calendar; colleagues who added it (A4) see it too.
  const pairs: { viewer: Id; owner: Id }[] = owners.map((o) => ({ viewer: o, owner: o }));
  for (const part of chunks(owners, 500)) {
    const shares = await ctx.db.selectFrom('calendar_shares').select(['owner_user_id', 'viewer_user_id']).where('owner_user_id', 'in', part).execute();
    for (const s of shares) pairs.push({ viewer: s.viewer_user_id, owner: s.owner_user_id });
  }
  const users = await loadScopeUsers(ctx, pairs.map((p) => p.viewer));
  const groups = await groupsOf(ctx, owners);
  const now = ctx.now();
  const desired = new Set<string>();
  for (const { viewer, owner } of pairs) {
    const user = users.get(viewer);
    if (!user) continue;
    const facts = { lastEnd: window.lastEnd, updatedAt: appointment.updatedAt };
    if (appointmentInSet(user, owner, groups.get(owner) ?? new Set(), appointment, facts, now)) {
      desired.add((await ensureCollection(ctx, viewer, 'calendar', owner)).id);
    }
  }
  await reconcileItem(ctx, appointment.id, desired, contentChanged);
}

export async function reconcileTask(ctx: CrmContext, task: Task, contentChanged: boolean): Promise<void> {
  const users = await loadScopeUsers(ctx, task.responsibleUserIds);
  const desired = new Set<string>();
  for (const user of users.values()) {
    if (taskInSet(user, task)) desired.add((await ensureCollection(ctx, user.id, 'tasks')).id);
  }
  await reconcileItem(ctx, task.id, desired, contentChanged);
}

/** Removes a record from every set before it is deleted from the CRM (S5, X4). */
export async function removeFromAllSets(ctx: CrmContext, itemId: string): Promise<void> {
  await reconcileItem(ctx, itemId, new Set(), false);
}

async function desiredMembers(ctx: CrmContext, c: Collection, viewer: ScopeUser): Promise<Set<string>> {
  const desired = new Set<string>();
  const now = ctx.now();
  if (c.unit === 'contacts') {
    const rows = await ctx.db.selectFrom('contacts').innerJoin('contact_ticks', 'contact_ticks.contact_id', 'contacts.id')
      .selectAll('contacts').where('contact_ticks.user_id', '=', viewer.id).execute();
    const contacts = rows.map(rowToContact);
    const responsible = await loadScopeUsers(ctx, [...new Set(contacts.flatMap((x) => (x.responsibleUserId ? [x.responsibleUserId] : [])))]);
    responsible.set(viewer.id, viewer);
    for (const contact of contacts) if (contactInSet(viewer, contact, true, departmentLookup(responsible))) desired.add(contact.id);
  } else if (c.unit === 'calendar') {
    const ownerGroups = (await groupsOf(ctx, [c.ownerUserId])).get(c.ownerUserId) ?? new Set<Id>();
    const refs = [c.ownerUserId, ...ownerGroups];
    const rows = await ctx.db.selectFrom('appointments')
      .where('id', 'in', (eb) => eb.selectFrom('appointment_participants').select('appointment_id').where('ref_id', 'in', refs))
      .selectAll().execute();
    for (const r of rows) {
      const a = rowToAppointment(r);
      const facts = { lastEnd: r.last_end_ms === null ? null : Number(r.last_end_ms), updatedAt: a.updatedAt };
      if (appointmentInSet(viewer, c.ownerUserId, ownerGroups, a, facts, now)) desired.add(a.id);
    }
  } else {
    const rows = await ctx.db.selectFrom('tasks').innerJoin('task_responsibles', 'task_responsibles.task_id', 'tasks.id')
      .selectAll('tasks').where('task_responsibles.user_id', '=', viewer.id).execute();
    for (const r of rows) if (taskInSet(viewer, rowToTask(r))) desired.add(r.id);
  }
  return desired;
}

/** Recomputes one collection from scratch and logs only the difference. */
export async function recomputeCollection(ctx: CrmContext, c: Collection): Promise<number> {
  const viewer = (await loadScopeUsers(ctx, [c.userId])).get(c.userId);
  const desired = viewer ? await desiredMembers(ctx, c, viewer) : new Set<string>();
  const current = new Set((await listMembers(ctx, c.id)).map((m) => m.itemId));
  const ops: { itemId: string; op: ChangeOp }[] = [];
  for (const id of desired) if (!current.has(id)) ops.push({ itemId: id, op: 'upsert' });
  for (const id of current) if (!desired.has(id)) ops.push({ itemId: id, op: 'remove' });
  await recordChanges(ctx, c.id, ops);
  return ops.length;
}

/** Every collection whose content depends on this user: theirs, and colleagues' views of their calendar. */
export async function recomputeForUser(ctx: CrmContext, userId: Id): Promise<number> {
  const units: Unit[] = ['contacts', 'calendar', 'tasks'];
  for (const unit of units) await ensureCollection(ctx, userId, unit);
  const rows = await ctx.db.selectFrom('collections').selectAll()
    .where((eb) => eb.or([eb('user_id', '=', userId), eb.and([eb('owner_user_id', '=', userId), eb('unit', '=', 'calendar')])]))
    .execute();
  let changed = 0;
  for (const r of rows) {
    changed += await recomputeCollection(ctx, {
      id: r.id, userId: r.user_id, unit: r.unit as Unit, ownerUserId: r.owner_user_id,
      revision: Number(r.revision), minRevision: Number(r.min_revision), props: {},
    });
  }
  return changed;
}

/**
 * S2 window job: appointments whose last occurrence ended before now − pastDays, or that were
 * not modified within X days, leave calendar collections. Time only moves forward, so the
 * window only ever removes; anything that could add (settings change) recomputes instead.
 * Only members past the cut are read, not whole collections.
 */
export async function expireWindows(ctx: CrmContext): Promise<number> {
  const collections = await ctx.db.selectFrom('collections').select(['id', 'user_id']).where('unit', '=', 'calendar').execute();
  const users = await loadScopeUsers(ctx, [...new Set(collections.map((c) => c.user_id))]);
  const now = ctx.now();
  let removed = 0;
  for (const c of collections) {
    const s = users.get(c.user_id)?.settings;
    if (!s) continue;
    const endCut = now - s.pastDays * DAY_MS;
    const modifiedCut = s.modifiedWithinDays === null ? null : now - s.modifiedWithinDays * DAY_MS;
    const leaving = await ctx.db.selectFrom('collection_members')
      .innerJoin('appointments', 'appointments.id', 'collection_members.item_id')
      .select('collection_members.item_id')
      .where('collection_members.collection_id', '=', c.id)
      .where((eb) => {
        const ended = eb('appointments.last_end_ms', '<=', endCut);
        return modifiedCut === null ? ended : eb.or([ended, eb('appointments.updated_at', '<', modifiedCut)]);
      })
      .execute();
    await recordChanges(ctx, c.id, leaving.map((l) => ({ itemId: l.item_id, op: 'remove' as const })));
    removed += leaving.length;
  }
  return removed;
}
