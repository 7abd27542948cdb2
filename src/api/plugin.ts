// The /api plugin. Encapsulated: its JSON-only body parsing, auth hook, error and not-found
// handlers apply under /api alone, so the DAV server can parse XML, iCalendar and vCard bodies
// in its own context.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.js';
import type { LoginLimiter } from '../auth/limiter.js';
import { authenticate, type Authentication } from '../auth/principal.js';
import { renderDocs } from './docs.js';
import { buildOpenApi } from './openapi.js';
import { apiErrorHandler, problemBody, sendProblem, unauthorized } from './problem.js';
import { ApiRouter } from './router.js';
import { appointmentRoutes } from './routes/appointments.js';
import { colleagueCalendarRoutes } from './routes/colleagueCalendars.js';
import { collectionRoutes } from './routes/collections.js';
import { contactRoutes } from './routes/contacts.js';
import { departmentRoutes } from './routes/departments.js';
import { groupRoutes } from './routes/groups.js';
import { journalRoutes } from './routes/journal.js';
import { sessionRoutes } from './routes/session.js';
import { syncRoutes } from './routes/sync.js';
import { taskRoutes } from './routes/tasks.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface ApiPluginOptions { app: AppContext; limiter: LoginLimiter; version: string }

const JSON_TYPES = /^application\/([\w.-]+\+)?json$/;

export async function apiPlugin(f: FastifyInstance, opts: ApiPluginOptions): Promise<void> {
  const { app } = opts;

  // JSON only (415 for anything else); an empty body is no body. The default parser guards
  // against prototype poisoning.
  f.removeAllContentTypeParsers();
  const parseJson = f.getDefaultJsonParser('error', 'error');
  f.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else parseJson(request, body as string, done);
  });

  const failures = new WeakMap<FastifyRequest, Exclude<Authentication, { ok: true }>['reason']>();
  f.decorateRequest('principal', null);
  f.addHook('onRequest', async (request) => {
    const auth = await authenticate(app.crm, { authorization: request.headers.authorization, cookie: request.headers.cookie });
    if (auth.ok) request.principal = auth.principal;
    else failures.set(request, auth.reason);
  });
  const requireAuth = (request: FastifyRequest) => {
    if (request.principal) return request.principal;
    const reason = failures.get(request);
    if (reason === 'disabled') throw unauthorized('this account is disabled', 'invalid_token');
    if (reason === 'invalid') throw unauthorized('the API token or session is invalid, revoked or expired', 'invalid_token');
    throw unauthorized('sign in, or send an API token as Authorization: Bearer cst_...');
  };

  f.setErrorHandler(apiErrorHandler);
  f.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problemBody(404, 'not-found', `no API operation ${request.method} ${request.url.split('?')[0]}`)));

  const api = new ApiRouter(f, app, requireAuth);
  sessionRoutes(api, opts.limiter);
  tokenRoutes(api);
  contactRoutes(api);
  appointmentRoutes(api);
  taskRoutes(api);
  userRoutes(api);
  groupRoutes(api);
  departmentRoutes(api);
  journalRoutes(api);
  collectionRoutes(api);
  colleagueCalendarRoutes(api);
  webhookRoutes(api);
  syncRoutes(api);

  let doc: Record<string, unknown> | null = null;
  const openApi = () => (doc ??= buildOpenApi(api.routes, { title: 'crmsync', version: opts.version }));
  api.add({
    method: 'GET', path: '/openapi.json', operationId: 'openApi', tag: 'Documentation', access: 'public',
    summary: 'This API as an OpenAPI 3.1 document',
    response: { status: 200, description: 'The OpenAPI document' },
    handler: async () => openApi(),
  });
  api.add({
    method: 'GET', path: '/docs', operationId: 'apiDocs', tag: 'Documentation', access: 'public',
    summary: 'This API as a readable HTML page',
    response: { status: 200, description: 'HTML', contentType: 'text/html; charset=utf-8' },
    handler: async () => renderDocs(openApi()),
  });
}
