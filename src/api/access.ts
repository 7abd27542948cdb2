// What a user may see (rights checked on every endpoint): contacts per S1 visibility
// (maySeeContact), private appointments only for their participants (S4); admins see all.
import type { CrmContext } from '../crm/context.js';
import { loadScopeUsers } from '../crm/users.js';
import type { Appointment, Contact, Id, User } from '../domain/records.js';
import { hasRight, isParticipant, maySeeContact } from '../domain/scope.js';

/** The contacts of `list` that `user` may see, in order. */
export async function visibleContacts(ctx: CrmContext, user: User, list: readonly Contact[]): Promise<Contact[]> {
  if (hasRight(user, 'view_all_contacts')) return [...list];
  const responsible = await loadScopeUsers(ctx, list.flatMap((c) => (c.responsibleUserId ? [c.responsibleUserId] : [])));
  const departmentOf = (id: Id) => responsible.get(id)?.departmentId ?? null;
  return list.filter((c) => maySeeContact(user, c, departmentOf));
}

export async function maySee(ctx: CrmContext, user: User, contact: Contact): Promise<boolean> {
  return (await visibleContacts(ctx, user, [contact])).length === 1;
}

async function groupIdsOf(ctx: CrmContext, userId: Id): Promise<Set<Id>> {
  const rows = await ctx.db.selectFrom('group_members').select('group_id').where('user_id', '=', userId).execute();
  return new Set(rows.map((r) => r.group_id));
}

/** S4: a private appointment is for its participants' eyes only. */
export async function visibleAppointments(ctx: CrmContext, user: User, list: readonly Appointment[]): Promise<Appointment[]> {
  if (user.isAdmin || !list.some((a) => a.private)) return [...list];
  const groups = await groupIdsOf(ctx, user.id);
  return list.filter((a) => !a.private || isParticipant(a, user.id, groups));
}
