// The CalDAV/CardDAV server as a fastify plugin (`registerDav`): routes under /dav/, the
// well-known redirects (RFC 6764 §5), Basic authentication (A1), raw request bodies with the
// size limit, and one error mapping (DAV:error bodies for preconditions; hostile input is 4xx).
import { Readable } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.js';
import { LoginLimiter } from '../auth/limiter.js';
import { CrmError } from '../domain/errors.js';
import { DavAuthenticator } from './auth.js';
import { DEFAULT_DAV_LIMITS, REALM, type DavLimits } from './config.js';
import { DavError } from './errors.js';
import { DAV_HEADER, type DavResponse } from './handlers/common.js';
import { del } from './handlers/delete.js';
import { get } from './handlers/get.js';
import { mkcol } from './handlers/mkcol.js';
import { propfind } from './handlers/propfind.js';
import { proppatch } from './handlers/proppatch.js';
import { put } from './handlers/put.js';
import { report } from './handlers/report.js';
import { DAV_ROOT, parseDavUrl } from './paths.js';
import { StampCache } from './items.js';
import { RecordCache } from './recordCache.js';
import { RenderCache, Renderer } from './render.js';
import { resolveResource } from './resources.js';
import type { DavRequest, DavState } from './state.js';
import { DavBadRequest, serializeError } from './xml/index.js';

export interface DavOptions {
  readonly limits?: Partial<DavLimits>;
  /** Shared with other logins of the process if given. */
  readonly loginLimiter?: LoginLimiter;
  /** For tests: how a failed login's delay is waited out. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const BODY_METHODS = ['PROPFIND', 'PROPPATCH', 'REPORT', 'MKCOL', 'MKCALENDAR'] as const;
const OTHER_METHODS = ['COPY', 'MOVE', 'LOCK', 'UNLOCK'] as const;
const METHODS = ['OPTIONS', 'GET', 'HEAD', 'PUT', 'DELETE', 'POST', ...BODY_METHODS, ...OTHER_METHODS];
const ALLOW = 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCOL, MKCALENDAR';

/** Registers the DAV routes on `fastify` (in their own encapsulated scope). */
export async function registerDav(fastify: FastifyInstance, app: Pick<AppContext, 'crm' | 'logger'>, options: DavOptions = {}): Promise<void> {
  for (const m of [...BODY_METHODS, ...OTHER_METHODS]) {
    if (!fastify.supportedMethods.includes(m)) fastify.addHttpMethod(m, { hasBody: true });
  }
  const limits: DavLimits = { ...DEFAULT_DAV_LIMITS, ...options.limits };
  const state: DavState = {
    ctx: app.crm,
    limits,
    renderer: new Renderer(new RenderCache(limits.renderCacheBytes)),
    stamps: new StampCache(limits.stampCacheItems, limits.responseCacheBytes),
    records: new RecordCache(limits.recordCacheItems),
    authenticator: new DavAuthenticator(app.crm, limits, options.loginLimiter ?? new LoginLimiter(), options.sleep),
    logger: app.logger,
  };
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: FastifyError, _req, reply) => sendError(state, reply, err));

    const redirect = async (_req: FastifyRequest, reply: FastifyReply) => reply.code(301).header('location', DAV_ROOT).send();
    for (const url of ['/.well-known/caldav', '/.well-known/carddav']) scope.route({ method: ['GET', 'HEAD', 'PROPFIND', 'OPTIONS'], url, handler: redirect });

    // The reply is returned: a streamed body is still being sent when the handler resolves.
    const handler = async (req: FastifyRequest, reply: FastifyReply) => { await handle(state, req, reply); return reply; };
    scope.route({ method: METHODS, url: '/dav', handler, bodyLimit: limits.maxBodyBytes });
    scope.route({ method: METHODS, url: '/dav/*', handler, bodyLimit: limits.maxBodyBytes });
    // Clients pointed at the server's root ask it for current-user-principal (RFC 5397).
    scope.route({ method: 'PROPFIND', url: '/', handler, bodyLimit: limits.maxBodyBytes });
  });
}

async function handle(state: DavState, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const rawUrl = req.raw.url ?? '/';
  const path = rawUrl === '/' || rawUrl.startsWith('/?') ? ({ kind: 'root' } as const) : parseDavUrl(rawUrl);
  if (req.method === 'OPTIONS') {
    // RFC 4791 §5.1 / RFC 6352 §6.1: capabilities, without authentication.
    sendWhole(reply, { status: 200, headers: { DAV: DAV_HEADER, Allow: ALLOW, 'content-length': '0' } });
    return;
  }
  const auth = await state.authenticator.authenticate(req.headers.authorization, req.ip, req.headers['user-agent'] ?? null);
  if (!auth.ok) {
    if (auth.status === 429) {
      sendWhole(reply, { status: 429, headers: { 'retry-after': String(auth.retryAfterSeconds), 'content-type': 'text/plain; charset=utf-8' }, body: 'too many failed logins; try again later\n' });
    } else {
      sendWhole(reply, { status: 401, headers: { 'www-authenticate': `Basic realm="${REALM}", charset="UTF-8"`, 'content-type': 'text/plain; charset=utf-8' }, body: 'authentication required\n' });
    }
    return;
  }
  const dreq: DavRequest = {
    state, identity: auth.identity, method: req.method, headers: req.headers,
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  };
  if (req.method === 'MKCOL' || req.method === 'MKCALENDAR') {
    // The target does not exist (yet): refuse where the user may look, 404 elsewhere.
    if (!('user' in path) || path.user !== auth.identity.user.username) throw new DavError(404, 'no such resource');
    await send(state, reply, await mkcol(dreq, req.method));
    return;
  }
  const resource = await resolveResource(state.ctx, auth.identity.user, path);
  let res: DavResponse;
  switch (req.method) {
    case 'PROPFIND': res = await propfind(dreq, resource); break;
    case 'PROPPATCH': res = await proppatch(dreq, resource); break;
    case 'REPORT': res = await report(dreq, resource); break;
    case 'GET': res = await get(dreq, resource); break;
    case 'HEAD': res = { ...(await get(dreq, resource)) }; break;
    case 'PUT': res = await put(dreq, resource); break;
    case 'DELETE': res = await del(dreq, resource); break;
    default: throw new DavError(405, `${req.method} is not supported here`, undefined, { allow: ALLOW });
  }
  await send(state, reply, res);
}

/**
 * Sends a response. A streamed body's first two chunks are produced before anything is sent:
 * a failure there still becomes an ordinary error answer, and a body that fits in them goes
 * out whole with a Content-Length. Longer bodies are sent chunked as they are produced; a
 * failure after the first byte cannot change the status any more, so it is logged and the
 * connection destroyed (fastify's stream handling), and the client sees a truncated answer.
 */
async function send(state: DavState, reply: FastifyReply, res: DavResponse): Promise<void> {
  if (!res.chunks) {
    sendWhole(reply, res);
    return;
  }
  const it = res.chunks[Symbol.asyncIterator]();
  const first = await it.next();
  const second = first.done ? first : await it.next();
  reply.code(res.status);
  for (const [k, v] of Object.entries(res.headers ?? {})) reply.header(k, v);
  if (second.done) {
    void reply.send(first.done ? Buffer.alloc(0) : first.value);
    return;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield first.value as Buffer;
      yield second.value as Buffer;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    } catch (err) {
      state.logger.error({ err }, 'DAV response failed after its first bytes; closing the connection');
      throw err;
    }
  }
  void reply.send(Readable.from(rest(), { highWaterMark: 1 }));
}

function sendWhole(reply: FastifyReply, res: DavResponse): void {
  reply.code(res.status);
  for (const [k, v] of Object.entries(res.headers ?? {})) reply.header(k, v);
  void reply.send(res.body ?? '');
}

/** One mapping for every failure: 4xx with a DAV:error body where the RFC names a condition. */
function sendError(state: DavState, reply: FastifyReply, err: unknown): void {
  const xml = (status: number, body: string, headers: Record<string, string> = {}) =>
    sendWhole(reply, { status, headers: { 'content-type': 'application/xml; charset=utf-8', ...headers }, body });
  if (err instanceof DavError) {
    if (err.condition) xml(err.status, serializeError(err.condition, err.message), { ...err.headers });
    else sendWhole(reply, { status: err.status, headers: { 'content-type': 'text/plain; charset=utf-8', ...err.headers }, body: `${err.message}\n` });
    return;
  }
  if (err instanceof DavBadRequest) {
    if (err.precondition) xml(err.status, serializeError(err.precondition, err.message));
    else sendWhole(reply, { status: err.status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${err.message}\n` });
    return;
  }
  if (err instanceof CrmError) {
    const status = err.code === 'not_found' ? 404 : err.code === 'conflict' ? 409 : err.code === 'invalid' ? 400 : 403;
    sendWhole(reply, { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${err.message}\n` });
    return;
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    sendWhole(reply, { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${(err as Error).message}\n` });
    return;
  }
  state.logger.error({ err }, 'DAV request failed');
  sendWhole(reply, { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'internal error\n' });
}
