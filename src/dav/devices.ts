// Devices (SPEC A1): every CalDAV/CardDAV login names a device; each is recorded at first login
// with its user agent and first/last seen, may carry its own app password, and can be revoked
// (a phone handed to another user), which locks it out at its next request.
// For the API and the CLI (`crmsync device list|revoke`).
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../auth/passwords.js';
import type { CrmContext } from '../crm/context.js';
import { invalid, notFound } from '../domain/errors.js';
import type { Id } from '../domain/records.js';

export interface Device {
  id: Id;
  userId: Id;
  name: string;
  userAgent: string | null;
  hasAppPassword: boolean;
  firstSeen: number;
  lastSeen: number;
  revokedAt: number | null;
}

/** A1: NAME in `username_device=NAME` is letters and digits. */
export const DEVICE_NAME = /^[\p{L}\p{N}]{1,64}$/u;
/** The device of a login without `_device=`. */
export const DEFAULT_DEVICE = 'default';

interface DeviceRow {
  id: string; user_id: string; name: string; user_agent: string | null; app_password_hash: string | null;
  first_seen: number; last_seen: number; revoked_at: number | null;
}

const toDevice = (r: DeviceRow): Device => ({
  id: r.id, userId: r.user_id, name: r.name, userAgent: r.user_agent, hasAppPassword: r.app_password_hash !== null,
  firstSeen: Number(r.first_seen), lastSeen: Number(r.last_seen), revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

export async function listDevices(ctx: CrmContext, userId: Id): Promise<Device[]> {
  const rows = await ctx.db.selectFrom('devices').selectAll().where('user_id', '=', userId).orderBy('name').execute();
  return rows.map(toDevice);
}

async function findDevice(ctx: CrmContext, userId: Id, idOrName: string): Promise<DeviceRow | undefined> {
  return ctx.db.selectFrom('devices').selectAll().where('user_id', '=', userId)
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)])).executeTakeFirst();
}

/** Revokes a device by id or name: its next request gets 401 (the check is made on every request). */
export async function revokeDevice(ctx: CrmContext, userId: Id, idOrName: string): Promise<Device> {
  const row = await findDevice(ctx, userId, idOrName);
  if (!row) throw notFound('device', idOrName);
  const revokedAt = row.revoked_at ?? ctx.now();
  await ctx.db.updateTable('devices').set({ revoked_at: revokedAt }).where('id', '=', row.id).execute();
  return toDevice({ ...row, revoked_at: revokedAt });
}

/** Lifts a revocation (the phone came back). */
export async function restoreDevice(ctx: CrmContext, userId: Id, idOrName: string): Promise<Device> {
  const row = await findDevice(ctx, userId, idOrName);
  if (!row) throw notFound('device', idOrName);
  await ctx.db.updateTable('devices').set({ revoked_at: null }).where('id', '=', row.id).execute();
  return toDevice({ ...row, revoked_at: null });
}

/**
 * Sets (or with null clears) a device's app password; the device is created when it has not
 * logged in yet, so an app password can be handed out before the first sync.
 */
export async function setDeviceAppPassword(ctx: CrmContext, userId: Id, name: string, password: string | null): Promise<Device> {
  if (!DEVICE_NAME.test(name)) throw invalid('a device name is letters and digits (A1)', [{ path: 'name', message: 'invalid' }]);
  if (password !== null && password.length < 12) throw invalid('an app password has at least 12 characters', [{ path: 'password', message: 'too short' }]);
  const hash = password === null ? null : await hashPassword(password);
  const existing = await findDevice(ctx, userId, name);
  if (existing) {
    await ctx.db.updateTable('devices').set({ app_password_hash: hash }).where('id', '=', existing.id).execute();
    return toDevice({ ...existing, app_password_hash: hash });
  }
  const now = ctx.now();
  const row: DeviceRow = { id: randomUUID(), user_id: userId, name, user_agent: null, app_password_hash: hash, first_seen: now, last_seen: now, revoked_at: null };
  await ctx.db.insertInto('devices').values(row).execute();
  return toDevice(row);
}

/** Login bookkeeping: the device row, created at first login (A1). */
export async function deviceForLogin(ctx: CrmContext, userId: Id, name: string, userAgent: string | null): Promise<DeviceRow> {
  const existing = await findDeviceByName(ctx, userId, name);
  if (existing) return existing;
  const now = ctx.now();
  const row: DeviceRow = { id: randomUUID(), user_id: userId, name, user_agent: userAgent, app_password_hash: null, first_seen: now, last_seen: now, revoked_at: null };
  await ctx.db.insertInto('devices').values(row).onConflict((oc) => oc.columns(['user_id', 'name']).doNothing()).execute();
  return (await findDeviceByName(ctx, userId, name)) ?? row;
}

export async function findDeviceByName(ctx: CrmContext, userId: Id, name: string): Promise<DeviceRow | undefined> {
  return ctx.db.selectFrom('devices').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
}

/** Updates last_seen (and the user agent) when the stored one is older than `intervalMs`. */
export async function touchDevice(ctx: CrmContext, row: DeviceRow, userAgent: string | null, intervalMs: number): Promise<void> {
  const now = ctx.now();
  if (now - Number(row.last_seen) < intervalMs && (userAgent === null || userAgent === row.user_agent)) return;
  await ctx.db.updateTable('devices').set({ last_seen: now, user_agent: userAgent ?? row.user_agent }).where('id', '=', row.id).execute();
}

export type { DeviceRow };
