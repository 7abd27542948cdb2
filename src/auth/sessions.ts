// Password login sessions for the web pages (issue 2 item 6). The cookie carries 32 random
// bytes; the store keeps only their SHA-256, so a leaked database holds no usable session.
import { randomBytes } from 'node:crypto';
import type { CrmContext } from '../crm/context.js';
import { rowToUser } from '../crm/users.js';
import type { Id, User } from '../domain/records.js';
import { hashSecret } from './tokens.js';

export const SESSION_COOKIE = 'crmsync_session';
export const SESSION_TTL_MS = 12 * 3_600_000;

export async function createSession(ctx: CrmContext, userId: Id): Promise<{ id: string; expiresAt: number }> {
  const id = randomBytes(32).toString('base64url');
  const now = ctx.now();
  const expiresAt = now + SESSION_TTL_MS;
  await ctx.db.insertInto('sessions').values({ id_hash: hashSecret(id), user_id: userId, created_at: now, expires_at: expiresAt }).execute();
  return { id, expiresAt };
}

/** The session's user, or null for an unknown or expired session. */
export async function resolveSession(ctx: CrmContext, id: string): Promise<User | null> {
  const row = await ctx.db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users').select('sessions.expires_at')
    .where('sessions.id_hash', '=', hashSecret(id)).executeTakeFirst();
  if (!row || Number(row.expires_at) <= ctx.now()) return null;
  const { expires_at: _e, ...userRow } = row;
  return rowToUser(userRow);
}

export async function deleteSession(ctx: CrmContext, id: string): Promise<void> {
  await ctx.db.deleteFrom('sessions').where('id_hash', '=', hashSecret(id)).execute();
}

/** Daily housekeeping: expired sessions are useless and only grow the table. */
export async function pruneSessions(ctx: CrmContext): Promise<number> {
  const res = await ctx.db.deleteFrom('sessions').where('expires_at', '<=', ctx.now()).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Reads one cookie from a Cookie header (RFC 6265 §5.4 pairs separated by "; "). */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
