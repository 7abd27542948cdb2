// CRUD, ETag/If-Match and idempotent upsert by external id, shared by contacts, appointments
// and tasks. Each write runs in one transaction: a failed request writes nothing (issue 2 item 9).
import { z } from 'zod';
import { inTransaction, type CrmContext } from '../../crm/context.js';
import type { Page } from '../../crm/paging.js';
import type { RecordStore, StoredRecord } from '../../crm/recordStore.js';
import type { User } from '../../domain/records.js';
import { checkIfMatch, IF_MATCH_HEADER, setEtag } from '../etag.js';
import { badRequest, forbiddenError, notFoundError } from '../problem.js';
import type { ApiRouter } from '../router.js';
import { idParams } from '../schemas.js';

export interface RecordResource<R extends StoredRecord> {
  kind: 'contact' | 'appointment' | 'task';
  plural: 'contacts' | 'appointments' | 'tasks';
  tag: string;
  store: RecordStore<R, z.ZodType>;
  /** Named schemas: full input (POST, PUT), partial input (PATCH), and the stored record. */
  body: z.ZodType;
  patch: z.ZodType;
  schema: z.ZodType;
  /** The records of `list` the user may see (contacts: S1 visibility; private appointments: S4). */
  visible(ctx: CrmContext, user: User, list: readonly R[]): Promise<R[]>;
}

/** Rounds of fetching before a sparse page is returned short (its nextCursor continues). */
const MAX_ROUNDS = 10;

/**
 * A page of what the user may see, from the store's keyset pages. Whole store pages are
 * consumed, so the store's cursor stays valid; a page may hold fewer than `limit` items.
 */
export async function pageVisible<R>(
  fetch: (limit: number, cursor: string | undefined) => Promise<Page<R>>,
  visible: (items: readonly R[]) => Promise<R[]>,
  limit: number,
  cursor: string | undefined,
): Promise<Page<R>> {
  const items: R[] = [];
  let next: string | null = cursor ?? null;
  let rounds = 0;
  do {
    const page = await fetch(limit - items.length, next ?? undefined);
    items.push(...await visible(page.items));
    next = page.nextCursor;
    rounds += 1;
  } while (items.length < limit && next !== null && rounds < MAX_ROUNDS);
  return { items, nextCursor: next };
}

/** JSON with sorted keys: equal content gives equal text whatever the property order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
    : x));
}

function sameContent(a: StoredRecord, b: StoredRecord): boolean {
  const strip = ({ updatedAt: _u, version: _v, ...rest }: StoredRecord) => rest;
  return canonical(strip(a)) === canonical(strip(b));
}

/** Thrown inside the upsert transaction to roll back a replace that changed nothing. */
class Unchanged<R> extends Error {
  constructor(readonly record: R) { super('unchanged'); }
}

export function registerRecordRoutes<R extends StoredRecord>(api: ApiRouter, res: RecordResource<R>): void {
  const { store, kind, plural, tag } = res;
  const ctx = api.app.crm;
  const base = `/${plural}`;
  const Kind = kind[0]!.toUpperCase() + kind.slice(1);

  async function visibleOrThrow(c: CrmContext, user: User, id: string): Promise<R> {
    const r = await store.find(c, id);
    if (!r || (await res.visible(c, user, [r])).length === 0) throw notFoundError(`${kind} ${id} does not exist`);
    return r;
  }

  api.add({
    method: 'POST', path: base, operationId: `create${Kind}`, tag, access: 'user',
    summary: `Create a ${kind}`,
    body: res.body,
    response: { status: 201, description: `The created ${kind}; ETag and Location headers`, schema: res.schema },
    errors: [409],
    handler: async ({ body, principal, reply }) => {
      const created = await store.create(ctx, body, principal.author);
      setEtag(reply, created.version);
      reply.header('location', `/api${base}/${created.id}`);
      return created;
    },
  });

  api.add({
    method: 'GET', path: `${base}/:id`, operationId: `get${Kind}`, tag, access: 'user',
    summary: `Read a ${kind}`,
    params: idParams,
    response: { status: 200, description: `The ${kind}, with its version as ETag`, schema: res.schema },
    errors: [404],
    handler: async ({ params, principal, reply }) => {
      const r = await visibleOrThrow(ctx, principal.user, params.id);
      setEtag(reply, r.version);
      return r;
    },
  });

  for (const replace of [true, false]) {
    api.add({
      method: replace ? 'PUT' : 'PATCH', path: `${base}/:id`, operationId: `${replace ? 'replace' : 'patch'}${Kind}`, tag, access: 'user',
      summary: replace ? `Replace a ${kind} (fields left out take their defaults)` : `Change some fields of a ${kind}`,
      params: idParams,
      body: replace ? res.body : res.patch,
      headers: [IF_MATCH_HEADER],
      response: { status: 200, description: `The ${kind} as stored now; new ETag`, schema: res.schema },
      errors: [404, 409, 412],
      handler: async ({ params, body, principal, request, reply }) => {
        const updated = await inTransaction(ctx, async (tx) => {
          const current = await visibleOrThrow(tx, principal.user, params.id);
          checkIfMatch(request, current.version);
          return store.update(tx, params.id, body as Record<string, unknown>, principal.author, { replace, expectedVersion: current.version });
        });
        setEtag(reply, updated.version);
        return updated;
      },
    });
  }

  api.add({
    method: 'DELETE', path: `${base}/:id`, operationId: `delete${Kind}`, tag, access: 'user',
    summary: `Delete a ${kind} from the CRM (journaled; undo restores it, X5)`,
    params: idParams,
    headers: [IF_MATCH_HEADER],
    response: { status: 204, description: 'Deleted' },
    errors: [404, 412],
    handler: async ({ params, principal, request }) => {
      await inTransaction(ctx, async (tx) => {
        const current = await visibleOrThrow(tx, principal.user, params.id);
        checkIfMatch(request, current.version);
        await store.delete(tx, params.id, principal.author);
      });
    },
  });

  api.add({
    method: 'PUT', path: `${base}/by-external-id/:externalId`, operationId: `upsert${Kind}ByExternalId`, tag, access: 'user',
    summary: `Create or replace the ${kind} with this external id (idempotent)`,
    description: 'For an external CRM pushing its records in: creates the record (201) or replaces it (200). '
      + 'Repeating an identical call changes nothing: no new version, no journal entry.',
    params: z.object({ externalId: z.string().min(1).max(200) }),
    body: res.body,
    headers: [IF_MATCH_HEADER],
    response: { status: 200, description: `The ${kind} as stored now (201 when created)`, schema: res.schema },
    errors: [403, 409, 412],
    handler: async ({ params, body, principal, request, reply }) => {
      const input = body as Record<string, unknown>;
      if (input.externalId !== undefined && input.externalId !== params.externalId) {
        throw badRequest('externalId in the body differs from the one in the path', [{ path: 'externalId', message: 'must equal the path parameter or be left out' }]);
      }
      const withId = { ...input, externalId: params.externalId };
      let created = false;
      let record: R;
      try {
        record = await inTransaction(ctx, async (tx) => {
          const current = await store.findBy(tx, { externalId: params.externalId });
          if (!current) {
            created = true;
            return store.create(tx, withId, principal.author);
          }
          if ((await res.visible(tx, principal.user, [current])).length === 0) {
            throw forbiddenError(`${kind} with external id ${params.externalId} exists but is not visible to you`);
          }
          checkIfMatch(request, current.version);
          const next = await store.update(tx, current.id, withId, principal.author, { replace: true, expectedVersion: current.version });
          if (sameContent(current, next)) throw new Unchanged(current);
          return next;
        });
      } catch (e) {
        if (!(e instanceof Unchanged)) throw e;
        record = e.record as R;
      }
      if (created) {
        reply.code(201);
        reply.header('location', `/api${base}/${record.id}`);
      }
      setEtag(reply, record.version);
      return record;
    },
  });
}
