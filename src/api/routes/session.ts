// Password login for the web pages (issue 2 item 6): an HttpOnly, SameSite=Lax session cookie
// valid 12 h; failed logins are slowed down per user and address (LoginLimiter).
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { LoginLimiter } from '../../auth/limiter.js';
import { verifyNothing, verifyPassword } from '../../auth/passwords.js';
import { createSession, deleteSession, readCookie, SESSION_COOKIE, SESSION_TTL_MS } from '../../auth/sessions.js';
import { findUserByName } from '../../crm/users.js';
import { ApiError, unauthorized } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { userSchema } from '../schemas.js';

const loginBody = z.object({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(1024),
}).strict().meta({ id: 'Login' });

function cookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

export function sessionRoutes(api: ApiRouter, limiter: LoginLimiter): void {
  const ctx = api.app.crm;
  const tag = 'Session';

  api.add({
    method: 'POST', path: '/login', operationId: 'login', tag, access: 'public',
    summary: 'Sign in with username and password; sets the session cookie',
    description: 'After about 10 failures within 15 minutes for one user and address, answers 429 with Retry-After.',
    body: loginBody,
    response: { status: 200, description: 'Signed in; Set-Cookie carries the session', schema: z.object({ user: userSchema }) },
    errors: [401, 429],
    handler: async ({ body, request, reply }) => {
      const key = `${body.username.toLowerCase()}|${request.ip}`;
      const wait = limiter.retryAfterSeconds(key);
      if (wait > 0) {
        throw new ApiError(429, 'too-many-attempts', 'too many failed sign-ins; try again later', [], { 'retry-after': String(wait) });
      }
      const found = await findUserByName(ctx, body.username);
      const ok = found?.passwordHash ? await verifyPassword(found.passwordHash, body.password) : await verifyNothing(body.password);
      if (!found || !ok || found.disabled) {
        await sleep(limiter.fail(key));
        throw unauthorized('wrong username or password, or the account is disabled');
      }
      limiter.succeed(key);
      const session = await createSession(ctx, found.id);
      reply.header('set-cookie', cookie(request, session.id, SESSION_TTL_MS / 1000));
      const { passwordHash: _h, ...user } = found;
      return { user };
    },
  });

  api.add({
    method: 'POST', path: '/logout', operationId: 'logout', tag, access: 'public',
    summary: 'End the session of the cookie sent and clear the cookie',
    response: { status: 204, description: 'Signed out' },
    handler: async ({ request, reply }) => {
      const id = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (id) await deleteSession(ctx, id);
      reply.header('set-cookie', cookie(request, '', 0));
    },
  });

  api.add({
    method: 'GET', path: '/me', operationId: 'me', tag, access: 'user',
    summary: 'The signed-in user, with rights and sync settings',
    response: { status: 200, description: 'The caller', schema: z.object({ user: userSchema, via: z.enum(['token', 'session']) }) },
    handler: async ({ principal }) => ({ user: principal.user, via: principal.via }),
  });
}
