// The caller's own API tokens (issue 2 item 6). The token text is shown once, at creation.
import { z } from 'zod';
import { createApiToken, listApiTokens, revokeApiToken } from '../../auth/tokens.js';
import type { ApiRouter } from '../router.js';
import { idParams } from '../schemas.js';

const tokenSchema = z.object({
  id: z.string(), userId: z.string(), name: z.string(),
  createdAt: z.number().int(), lastUsedAt: z.number().int().nullable(), revokedAt: z.number().int().nullable(),
}).meta({ id: 'ApiToken' });

export function tokenRoutes(api: ApiRouter): void {
  const ctx = api.app.crm;
  const tag = 'Tokens';

  api.add({
    method: 'GET', path: '/tokens', operationId: 'listTokens', tag, access: 'user',
    summary: "The caller's API tokens (never their text)",
    response: { status: 200, description: 'Tokens', schema: z.object({ items: z.array(tokenSchema) }) },
    handler: async ({ principal }) => ({ items: await listApiTokens(ctx, principal.user.id) }),
  });

  api.add({
    method: 'POST', path: '/tokens', operationId: 'createToken', tag, access: 'user',
    summary: 'Create an API token for the caller; its text is shown only in this answer',
    body: z.object({ name: z.string().trim().min(1).max(100) }).strict(),
    response: { status: 201, description: 'The token id and text', schema: z.object({ id: z.string(), token: z.string() }) },
    errors: [409],
    handler: async ({ body, principal }) => createApiToken(ctx, principal.user.id, body.name),
  });

  api.add({
    method: 'DELETE', path: '/tokens/:id', operationId: 'revokeToken', tag, access: 'user',
    summary: "Revoke one of the caller's tokens (by id or name)",
    params: idParams,
    response: { status: 200, description: 'The revoked token', schema: tokenSchema },
    errors: [404],
    handler: async ({ params, principal }) => revokeApiToken(ctx, params.id, principal.user.id),
  });
}
