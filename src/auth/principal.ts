// Who is calling: an API token (Authorization: Bearer cst_...) or a login session cookie.
// Disabled users are rejected whichever way they come (issue 2 item 6).
import type { Author } from '../domain/authors.js';
import { userAuthor } from '../domain/authors.js';
import type { User } from '../domain/records.js';
import type { CrmContext } from '../crm/context.js';
import { readCookie, resolveSession, SESSION_COOKIE } from './sessions.js';
import { authenticateToken } from './tokens.js';

export interface Principal {
  user: User;
  /** Written into the journal (X5): the token for API pushes, the user for web page edits. */
  author: Author;
  via: 'token' | 'session';
  tokenId: string | null;
}

export type Authentication =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'missing' | 'invalid' | 'disabled' };

export async function authenticate(ctx: CrmContext, headers: { authorization?: string | undefined; cookie?: string | undefined }): Promise<Authentication> {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (headers.authorization !== undefined) {
    if (!bearer?.[1]) return { ok: false, reason: 'invalid' };
    const found = await authenticateToken(ctx, bearer[1]);
    if (!found) return { ok: false, reason: 'invalid' };
    if (found.user.disabled) return { ok: false, reason: 'disabled' };
    return {
      ok: true,
      principal: {
        user: found.user, via: 'token', tokenId: found.token.id,
        author: { kind: 'token', id: found.token.id, label: `${found.user.username} (token ${found.token.name})` },
      },
    };
  }
  const sessionId = readCookie(headers.cookie, SESSION_COOKIE);
  if (sessionId === null) return { ok: false, reason: 'missing' };
  const user = await resolveSession(ctx, sessionId);
  if (!user) return { ok: false, reason: 'invalid' };
  if (user.disabled) return { ok: false, reason: 'disabled' };
  return { ok: true, principal: { user, via: 'session', tokenId: null, author: userAuthor(user.id, user.username) } };
}
