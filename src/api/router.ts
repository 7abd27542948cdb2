// The one way to add an /api route: a definition with zod schemas for path, query and body,
// its access rule and its answer. The same definition validates requests, checks rights and
// produces the route's OpenAPI operation, so every route is documented by construction.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AppContext } from '../app/context.js';
import type { Principal } from '../auth/principal.js';
import { badRequest, forbiddenError, zodIssues } from './problem.js';

/** public: anyone; user: any signed-in user; admin: administrators only (U5). */
export type Access = 'public' | 'user' | 'admin';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface HandlerInput<P, Q, B, A extends Access> {
  params: P;
  query: Q;
  body: B;
  principal: A extends 'public' ? Principal | null : Principal;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteDef<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  A extends Access = Access,
> {
  method: Method;
  /** Relative to /api, fastify style: "/contacts/:id". */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  /** Success answer; `schema` absent means an empty body (204). */
  response: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  /** Error statuses beyond those implied by access and input (401, 403, 400). */
  errors?: number[];
  /** Sends request headers the operation reads (If-Match). */
  headers?: { name: string; description: string }[];
  /** Returns the body of the success answer; may change the status or headers on `reply`. */
  handler(input: HandlerInput<Out<P>, Out<Q>, Out<B>, A>): Promise<unknown>;
}

/** What the OpenAPI generator needs of a route. */
export type RegisteredRoute = Omit<RouteDef<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>, 'handler'>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the /api auth hook when credentials were given and valid. */
    principal: Principal | null;
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string, whole: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const errors = zodIssues(r.error, whole);
  const first = errors[0];
  throw badRequest(`invalid ${what}${first ? `: ${first.path}: ${first.message}` : ''}`, errors);
}

export class ApiRouter {
  readonly routes: RegisteredRoute[] = [];

  constructor(readonly f: FastifyInstance, readonly app: AppContext, readonly requireAuth: (request: FastifyRequest) => Principal) {}

  add<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined, A extends Access>(
    def: RouteDef<P, Q, B, A>,
  ): void {
    const { handler, ...doc } = def;
    this.routes.push(doc as RegisteredRoute);
    this.f.route({
      method: def.method,
      url: def.path,
      handler: async (request, reply) => {
        const principal = def.access === 'public' ? request.principal : this.requireAuth(request);
        if (def.access === 'admin' && !principal?.user.isAdmin) throw forbiddenError('this operation is for administrators (U5)');
        const params = def.params ? parse(def.params, request.params, 'path parameter', 'path') : undefined;
        const query = def.query ? parse(def.query, request.query, 'query parameter', 'query') : undefined;
        const body = def.body ? parse(def.body, request.body, 'request body', '(body)') : undefined;
        reply.code(def.response.status);
        const result = await handler({
          params, query, body, principal, request, reply,
        } as HandlerInput<Out<P>, Out<Q>, Out<B>, A>);
        if (reply.sent) return reply;
        if (def.response.contentType) reply.type(def.response.contentType);
        return reply.send(result);
      },
    });
  }
}
