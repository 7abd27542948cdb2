// Users, departments and rights (SPEC Records, A4). Changes that alter what a user sees
// recompute that user's sets.
import { newId } from '../domain/ids.js';
import type { Selectable } from 'kysely';
import { DEFAULT_SYNC_SETTINGS, type Department, type Id, type Right, type SyncSettings, type User } from '../domain/records.js';
import type { ScopeUser } from '../domain/scope.js';
import { conflict, invalid, notFound } from '../domain/errors.js';
import { passwordSchema, rightsSchema, syncSettingsSchema, usernameSchema } from '../domain/schemas.js';
import type { UsersTable } from '../store/schema.js';
import { hashPassword } from '../auth/passwords.js';
import { chunks, inTransaction, type CrmContext } from './context.js';
import { recomputeForUser } from './membership.js';

export function rowToUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id, username: r.username, displayName: r.display_name, email: r.email, isAdmin: r.is_admin === 1,
    disabled: r.disabled === 1, departmentId: r.department_id, rights: JSON.parse(r.rights) as Right[],
    settings: { ...DEFAULT_SYNC_SETTINGS, ...(JSON.parse(r.settings) as Partial<SyncSettings>) },
    createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
}

export async function loadScopeUsers(ctx: CrmContext, ids: readonly Id[]): Promise<Map<Id, ScopeUser>> {
  const out = new Map<Id, ScopeUser>();
  for (const part of chunks([...new Set(ids)], 500)) {
    const rows = await ctx.db.selectFrom('users').selectAll().where('id', 'in', part).execute();
    for (const r of rows) out.set(r.id, rowToUser(r));
  }
  return out;
}

export interface NewUser {
  username: string;
  password?: string | null;
  displayName?: string;
  email?: string | null;
  isAdmin?: boolean;
  departmentId?: Id | null;
  rights?: Right[];
}

function check<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } }, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(r.error.issues[0]?.message ?? `invalid ${field}`, [{ path: field, message: r.error.issues[0]?.message ?? 'invalid' }]);
  return r.data;
}

export async function createUser(ctx: CrmContext, input: NewUser): Promise<User> {
  const username = check(usernameSchema, input.username, 'username');
  const passwordHash = input.password == null ? null : await hashPassword(check(passwordSchema, input.password, 'password'));
  const rights = check(rightsSchema, input.rights ?? [], 'rights') as Right[];
  return inTransaction(ctx, async (tx) => {
    if (await tx.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst()) {
      throw conflict(`user ${username} already exists`);
    }
    if (input.departmentId) await getDepartment(tx, input.departmentId);
    const now = tx.now();
    const row = {
      id: newId(), username, display_name: input.displayName ?? username, email: input.email ?? null,
      password_hash: passwordHash, is_admin: input.isAdmin ? 1 : 0, disabled: 0, department_id: input.departmentId ?? null,
      rights: JSON.stringify(rights), settings: JSON.stringify(DEFAULT_SYNC_SETTINGS), created_at: now, updated_at: now,
    };
    await tx.db.insertInto('users').values(row).execute();
    await recomputeForUser(tx, row.id); // creates the user's three empty collections
    return rowToUser(row);
  });
}

export async function getUser(ctx: CrmContext, id: Id): Promise<User> {
  const r = await ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('user', id);
  return rowToUser(r);
}

export async function findUserByName(ctx: CrmContext, username: string): Promise<(User & { passwordHash: string | null }) | null> {
  const r = await ctx.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  return r ? { ...rowToUser(r), passwordHash: r.password_hash } : null;
}

export async function getUserByName(ctx: CrmContext, username: string): Promise<User> {
  const u = await findUserByName(ctx, username);
  if (!u) throw notFound('user', username);
  const { passwordHash: _ignored, ...user } = u;
  return user;
}

export async function listUsers(ctx: CrmContext): Promise<User[]> {
  const rows = await ctx.db.selectFrom('users').selectAll().orderBy('username').execute();
  return rows.map(rowToUser);
}

export interface UserPatch {
  displayName?: string;
  email?: string | null;
  isAdmin?: boolean;
  disabled?: boolean;
  departmentId?: Id | null;
  rights?: Right[];
  settings?: Partial<SyncSettings>;
}

/** Updates a user; anything that changes what they see recomputes their sets (S1, S2, S5). */
export async function updateUser(ctx: CrmContext, id: Id, patch: UserPatch): Promise<User> {
  return inTransaction(ctx, async (tx) => {
    const current = await getUser(tx, id);
    const settings = patch.settings ? check(syncSettingsSchema, { ...current.settings, ...patch.settings }, 'settings') as SyncSettings : current.settings;
    const rights = patch.rights ? check(rightsSchema, patch.rights, 'rights') as Right[] : current.rights;
    if (patch.departmentId) await getDepartment(tx, patch.departmentId);
    await tx.db.updateTable('users').set({
      display_name: patch.displayName ?? current.displayName,
      email: patch.email === undefined ? current.email : patch.email,
      is_admin: (patch.isAdmin ?? current.isAdmin) ? 1 : 0,
      disabled: (patch.disabled ?? current.disabled) ? 1 : 0,
      department_id: patch.departmentId === undefined ? current.departmentId : patch.departmentId,
      rights: JSON.stringify(rights), settings: JSON.stringify(settings), updated_at: tx.now(),
    }).where('id', '=', id).execute();
    const scopeChanged = patch.settings !== undefined || patch.disabled !== undefined || patch.isAdmin !== undefined
      || patch.departmentId !== undefined || patch.rights !== undefined;
    if (scopeChanged) await recomputeForUser(tx, id);
    return getUser(tx, id);
  });
}

export async function setPassword(ctx: CrmContext, id: Id, password: string): Promise<void> {
  const hashed = await hashPassword(check(passwordSchema, password, 'password'));
  const res = await ctx.db.updateTable('users').set({ password_hash: hashed, updated_at: ctx.now() }).where('id', '=', id).executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw notFound('user', id);
}

export async function createDepartment(ctx: CrmContext, name: string): Promise<Department> {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200) throw invalid('department name must be 1–200 characters', [{ path: 'name', message: 'invalid' }]);
  if (await ctx.db.selectFrom('departments').select('id').where('name', '=', trimmed).executeTakeFirst()) throw conflict(`department ${trimmed} already exists`);
  const d = { id: newId(), name: trimmed, created_at: ctx.now() };
  await ctx.db.insertInto('departments').values(d).execute();
  return { id: d.id, name: d.name, createdAt: d.created_at };
}

export async function getDepartment(ctx: CrmContext, id: Id): Promise<Department> {
  const r = await ctx.db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('department', id);
  return { id: r.id, name: r.name, createdAt: Number(r.created_at) };
}

export async function listDepartments(ctx: CrmContext): Promise<Department[]> {
  const rows = await ctx.db.selectFrom('departments').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: Number(r.created_at) }));
}
