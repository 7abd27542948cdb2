// API tokens (issue 2 item 6): shown once at creation, stored as a SHA-256 hash. A token is 32
// random bytes, so a fast hash is enough: unlike passwords it cannot be guessed from a
// dictionary, and a slow hash (argon2) would only cost time on every API request.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { CrmContext } from '../crm/context.js';
import { getUser, rowToUser } from '../crm/users.js';
import { conflict, invalid, notFound } from '../domain/errors.js';
import type { Id, User } from '../domain/records.js';

export const TOKEN_PREFIX = 'cst_';

export interface ApiTokenInfo {
  id: string;
  userId: Id;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

function toInfo(r: { id: string; user_id: string; name: string; created_at: number; last_used_at: number | null; revoked_at: number | null }): ApiTokenInfo {
  return {
    id: r.id, userId: r.user_id, name: r.name, createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at), revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

/** Creates a token for `userId`; the returned `token` is the only time it is ever shown. */
export async function createApiToken(ctx: CrmContext, userId: Id, name: string): Promise<{ id: string; token: string }> {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 100) throw invalid('token name must be 1–100 characters', [{ path: 'name', message: 'must be 1–100 characters' }]);
  await getUser(ctx, userId);
  const active = await ctx.db.selectFrom('api_tokens').select('id').where('user_id', '=', userId)
    .where('name', '=', trimmed).where('revoked_at', 'is', null).executeTakeFirst();
  if (active) throw conflict(`an active token named "${trimmed}" already exists for this user`);
  const id = randomUUID();
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  await ctx.db.insertInto('api_tokens').values({
    id, user_id: userId, name: trimmed, token_hash: hashSecret(token), created_at: ctx.now(), last_used_at: null, revoked_at: null,
  }).execute();
  return { id, token };
}

/**
 * Revokes a token by id, or by name among active tokens (of `userId` when given). Revoking an
 * already revoked token is a no-op that returns it.
 */
export async function revokeApiToken(ctx: CrmContext, idOrName: string, userId?: Id): Promise<ApiTokenInfo> {
  let q = ctx.db.selectFrom('api_tokens').selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName), eb.and([eb('name', '=', idOrName), eb('revoked_at', 'is', null)])]));
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  const rows = await q.execute();
  const row = rows.find((r) => r.id === idOrName) ?? rows[0];
  if (!row) throw notFound('API token', idOrName);
  if (rows.length > 1 && row.id !== idOrName) throw conflict(`several active tokens are named "${idOrName}"; revoke by id`);
  if (row.revoked_at === null) {
    const now = ctx.now();
    await ctx.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', row.id).execute();
    row.revoked_at = now;
  }
  return toInfo(row);
}

export async function listApiTokens(ctx: CrmContext, userId?: Id): Promise<ApiTokenInfo[]> {
  let q = ctx.db.selectFrom('api_tokens').select(['id', 'user_id', 'name', 'created_at', 'last_used_at', 'revoked_at']);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(toInfo);
}

/** Recording every use would write on every request; once a minute is enough to see a token is alive. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The active token and its user, or null for an unknown or revoked token. */
export async function authenticateToken(ctx: CrmContext, token: string): Promise<{ token: ApiTokenInfo; user: User } | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await ctx.db.selectFrom('api_tokens').innerJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('users')
    .select(['api_tokens.id as token_id', 'api_tokens.name as token_name', 'api_tokens.created_at as token_created_at',
      'api_tokens.last_used_at as token_last_used_at', 'api_tokens.revoked_at as token_revoked_at'])
    .where('api_tokens.token_hash', '=', hashSecret(token)).executeTakeFirst();
  if (!row || row.token_revoked_at !== null) return null;
  const now = ctx.now();
  if (row.token_last_used_at === null || now - Number(row.token_last_used_at) > LAST_USED_RESOLUTION_MS) {
    await ctx.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.token_id).execute();
  }
  const info = toInfo({
    id: row.token_id, user_id: row.id, name: row.token_name, created_at: row.token_created_at,
    last_used_at: now, revoked_at: null,
  });
  const { token_id: _i, token_name: _n, token_created_at: _c, token_last_used_at: _l, token_revoked_at: _r, ...userRow } = row;
  return { token: info, user: rowToUser(userRow) };
}
