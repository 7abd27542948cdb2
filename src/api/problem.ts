// Errors as RFC 9457 problem+json (issue 2 item 9): {type, title, status, detail, errors}.
// Every failure of the API, of the CRM services (CrmError) and of fastify's own body handling
// is mapped here, in one place.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CrmError, ExpiredRevisionError, type FieldIssue } from '../domain/errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemSchema = z.object({
  type: z.string().describe('urn:crmsync:problem:<slug>'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional()
    .describe('For 400: each offending field, by its dotted path in the body or its query/path parameter name'),
  oldestRevision: z.number().int().optional().describe('For expired-revision: the oldest revision still answerable'),
}).meta({ id: 'Problem' });
export type Problem = z.infer<typeof problemSchema>;

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 410: 'Gone',
  412: 'Precondition Failed', 413: 'Content Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    message: string,
    readonly errors: FieldIssue[] = [],
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (detail: string, errors: FieldIssue[] = []) => new ApiError(400, 'invalid-request', detail, errors);
export const forbiddenError = (detail: string) => new ApiError(403, 'forbidden', detail);
export const notFoundError = (detail: string) => new ApiError(404, 'not-found', detail);
export const preconditionFailed = (detail: string) => new ApiError(412, 'precondition-failed', detail);
export const unauthorized = (detail: string, error?: 'invalid_token') =>
  new ApiError(401, 'unauthorized', detail, [], { 'www-authenticate': `Bearer realm="crmsync"${error ? `, error="${error}"` : ''}` });

export function problemBody(status: number, slug: string, detail: string, errors?: FieldIssue[], extra: Record<string, unknown> = {}): Problem {
  return {
    type: `urn:crmsync:problem:${slug}`, title: TITLES[status] ?? 'Error', status, detail,
    ...(errors && errors.length > 0 ? { errors } : {}), ...extra,
  };
}

const CRM_STATUS: Record<CrmError['code'], [number, string]> = {
  invalid: [400, 'invalid-request'],
  unauthorized: [401, 'unauthorized'],
  forbidden: [403, 'forbidden'],
  not_found: [404, 'not-found'],
  conflict: [409, 'conflict'],
  expired_revision: [410, 'expired-revision'],
};

/** Fastify's own failures of body handling, by error code. */
const FASTIFY_STATUS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body-too-large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported-media-type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid-request'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'malformed-json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed-json'],
};

export function toProblem(err: unknown): { problem: Problem; headers: Record<string, string> } {
  if (err instanceof ApiError) {
    return { problem: problemBody(err.status, err.slug, err.message, err.errors, err.extra), headers: err.headers };
  }
  if (err instanceof ExpiredRevisionError) {
    return { problem: problemBody(410, 'expired-revision', err.message, [], { oldestRevision: err.oldest }), headers: {} };
  }
  if (err instanceof CrmError) {
    const [status, slug] = CRM_STATUS[err.code];
    const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer realm="crmsync"' } : {};
    return { problem: problemBody(status, slug, err.message, err.issues), headers };
  }
  const fe = err as Partial<FastifyError>;
  const known = fe.code ? FASTIFY_STATUS[fe.code] : undefined;
  if (known) return { problem: problemBody(known[0], known[1], fe.message ?? 'rejected'), headers: {} };
  if (err instanceof SyntaxError) return { problem: problemBody(400, 'malformed-json', `request body is not valid JSON: ${err.message}`), headers: {} };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { problem: problemBody(fe.statusCode, 'invalid-request', fe.message ?? 'rejected'), headers: {} };
  }
  return { problem: problemBody(500, 'internal-error', 'the server failed to handle this request; see the server log'), headers: {} };
}

export function sendProblem(reply: FastifyReply, problem: Problem, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(problem.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/** The /api error handler: unexpected errors are logged; expected ones are the client's business. */
export function apiErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { problem, headers } = toProblem(err);
  if (problem.status >= 500) request.log.error({ err }, 'request failed');
  return sendProblem(reply, problem, headers);
}

/** Zod issues as field issues, paths dotted ("emails.0.value"); `whole` names an issue with the whole value. */
export function zodIssues(error: z.ZodError, whole: string): FieldIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || whole, message: i.message }));
}
