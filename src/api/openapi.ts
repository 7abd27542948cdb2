// OpenAPI 3.1 document built from the registered routes' zod schemas (z.toJSONSchema). Schemas
// carrying a meta id become shared components; everything else is inlined.
import { z } from 'zod';
import { problemSchema } from './problem.js';
import type { RegisteredRoute } from './router.js';

type Json = Record<string, unknown>;
type Io = 'input' | 'output';

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input; `errors` names each offending field', 401: 'No valid credentials (API token or login session)',
  403: 'Not allowed for this user', 404: 'No such resource (or not visible to this user)', 409: 'Conflicts with the current state',
  410: 'The requested revision has expired (problem type expired-revision)', 412: 'If-Match does not match the current version',
  413: 'Body larger than 10 MB', 415: 'Body is not JSON', 429: 'Too many failed attempts; see Retry-After',
};

class Components {
  readonly schemas: Record<string, Json> = {};
  private readonly ioOf = new Map<string, Io>();

  /** JSON Schema for `schema`, its named parts hoisted into components. */
  convert(schema: z.ZodType, io: Io): Json {
    const js = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
    const defs = (js.$defs ?? {}) as Record<string, Json>;
    delete js.$defs;
    delete js.$schema;
    const names = new Map<string, string>();
    for (const [id, def] of Object.entries(defs)) names.set(id, this.put(id, io, def));
    const rewrite = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(rewrite);
      if (v === null || typeof v !== 'object') return v;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => {
        if (k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/')) {
          const id = x.slice('#/$defs/'.length);
          return [k, `#/components/schemas/${names.get(id) ?? id}`];
        }
        return [k, rewrite(x)];
      }));
    };
    for (const [id, name] of names) this.schemas[name] = rewrite(this.schemas[name] ?? defs[id]) as Json;
    return rewrite(js) as Json;
  }

  /** A schema converted for input and output can differ (defaults are optional in, present out). */
  private put(id: string, io: Io, def: Json): string {
    const existing = this.schemas[id];
    if (!existing) {
      this.schemas[id] = def;
      this.ioOf.set(id, io);
      return id;
    }
    if (this.ioOf.get(id) === io || JSON.stringify(existing) === JSON.stringify(def)) return id;
    const alt = `${id}_${io}`;
    this.schemas[alt] ??= def;
    return alt;
  }
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query', c: Components): Json[] {
  if (!schema) return [];
  const js = c.convert(schema, 'input');
  const props = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    return { name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}) };
  });
}

export function buildOpenApi(routes: readonly RegisteredRoute[], info: { title: string; version: string }): Json {
  const c = new Components();
  const problemRef = c.convert(problemSchema, 'output');
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const path = `/api${r.path.replace(/:(\w+)/g, '{$1}')}`;
    const errors = new Set<number>(r.errors ?? []);
    if (r.access !== 'public') errors.add(401);
    if (r.access === 'admin') errors.add(403);
    if (r.params || r.query || r.body) errors.add(400);
    if (r.body) { errors.add(413); errors.add(415); }
    const responses: Record<string, Json> = {
      [String(r.response.status)]: {
        description: r.response.description,
        ...(r.response.schema ? { content: { [r.response.contentType ?? 'application/json']: { schema: c.convert(r.response.schema, 'output') } } } : {}),
      },
    };
    for (const status of [...errors].sort()) {
      responses[String(status)] = { description: STATUS_TEXT[status] ?? 'Error', content: { 'application/problem+json': { schema: problemRef } } };
    }
    const op: Json = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      parameters: [
        ...parameters(r.params, 'path', c),
        ...parameters(r.query, 'query', c),
        ...(r.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: false, description: h.description, schema: { type: 'string' } })),
      ],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: c.convert(r.body, 'input') } } } } : {}),
      responses,
      security: r.access === 'public' ? [] : [{ bearerAuth: [] }, { sessionCookie: [] }],
    };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'REST API of crmsync: records of the leading system, sync ticks, change feed, journal and undo, per-user sync sets, webhooks.' },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: c.schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'API token `cst_...` (crmsync token create, or POST /api/tokens)' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'crmsync_session', description: 'Set by POST /api/login' },
      },
    },
  };
}
