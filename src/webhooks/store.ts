// Webhooks and their delivery log. The secret is stored encrypted with the keyring (A2-style:
// shown once when generated, never again). Each webhook's journal cursor lives in settings_kv.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { CrmContext } from '../crm/context.js';
import { inTransaction } from '../crm/context.js';
import { decodeCursor, encodeCursor, type Page } from '../crm/paging.js';
import { invalid, notFound } from '../domain/errors.js';
import type { Keyring } from '../security/keyring.js';
import type { WebhookDeliveriesTable, WebhooksTable } from '../store/schema.js';
import { EVENT_PATTERN } from './events.js';

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  createdBy: string;
  createdAt: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: string;
  webhookId: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  payload: unknown;
}

export const cursorKey = (webhookId: string) => `webhook.cursor.${webhookId}`;

function rowToWebhook(r: Selectable<WebhooksTable>): Webhook {
  return { id: r.id, url: r.url, events: JSON.parse(r.events) as string[], active: r.active === 1, createdBy: r.created_by, createdAt: Number(r.created_at) };
}

export function rowToDelivery(r: Selectable<WebhookDeliveriesTable>): Delivery {
  return {
    id: r.id, webhookId: r.webhook_id, event: r.event, status: r.status as DeliveryStatus, attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at), lastStatusCode: r.last_status_code,
    lastError: r.last_error, createdAt: Number(r.created_at), deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
    payload: JSON.parse(r.payload),
  };
}

function checkUrl(url: string): void {
  let u: URL;
  try { u = new URL(url); } catch { throw invalid('url is not a URL', [{ path: 'url', message: 'not a URL' }]); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid('url must be http or https', [{ path: 'url', message: 'must be http(s)' }]);
}

function checkEvents(events: readonly string[]): void {
  const bad = events.findIndex((e) => !EVENT_PATTERN.test(e));
  if (events.length === 0) throw invalid('events must name at least one event', [{ path: 'events', message: 'empty' }]);
  if (bad >= 0) throw invalid(`unknown event ${events[bad]}`, [{ path: `events.${bad}`, message: 'unknown event' }]);
}

export interface NewWebhook { url: string; events: string[]; secret?: string; createdBy: string }

/**
 * Creates a webhook. It starts at the current end of the journal: it receives changes from now
 * on, not the history. Returns the secret (generated when not given) this once.
 */
export async function createWebhook(ctx: CrmContext, keyring: Keyring, input: NewWebhook): Promise<{ webhook: Webhook; secret: string }> {
  checkUrl(input.url);
  checkEvents(input.events);
  const secret = input.secret ?? `whsec_${randomBytes(32).toString('base64url')}`;
  return inTransaction(ctx, async (tx) => {
    const row = {
      id: randomUUID(), url: input.url, secret_enc: keyring.encrypt(secret), events: JSON.stringify([...new Set(input.events)]),
      active: 1, created_by: input.createdBy, created_at: tx.now(),
    };
    await tx.db.insertInto('webhooks').values(row).execute();
    const last = await tx.db.selectFrom('journal').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    await tx.db.insertInto('settings_kv').values({ key: cursorKey(row.id), value: String(Number(last?.id ?? 0)) }).execute();
    return { webhook: rowToWebhook(row), secret };
  });
}

export async function getWebhook(ctx: CrmContext, id: string): Promise<Webhook> {
  const r = await ctx.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('webhook', id);
  return rowToWebhook(r);
}

export async function listWebhooks(ctx: CrmContext): Promise<Webhook[]> {
  const rows = await ctx.db.selectFrom('webhooks').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(rowToWebhook);
}

export async function webhookSecret(ctx: CrmContext, keyring: Keyring, id: string): Promise<string> {
  const r = await ctx.db.selectFrom('webhooks').select('secret_enc').where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('webhook', id);
  return keyring.decrypt(r.secret_enc);
}

export interface WebhookPatch { url?: string; events?: string[]; active?: boolean; secret?: string }

export async function updateWebhook(ctx: CrmContext, keyring: Keyring, id: string, patch: WebhookPatch): Promise<Webhook> {
  if (patch.url !== undefined) checkUrl(patch.url);
  if (patch.events !== undefined) checkEvents(patch.events);
  return inTransaction(ctx, async (tx) => {
    await getWebhook(tx, id);
    await tx.db.updateTable('webhooks').set({
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: JSON.stringify([...new Set(patch.events)]) } : {}),
      ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
      ...(patch.secret !== undefined ? { secret_enc: keyring.encrypt(patch.secret) } : {}),
    }).where('id', '=', id).execute();
    return getWebhook(tx, id);
  });
}

export async function deleteWebhook(ctx: CrmContext, id: string): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    await getWebhook(tx, id);
    await tx.db.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
    await tx.db.deleteFrom('webhooks').where('id', '=', id).execute();
    await tx.db.deleteFrom('settings_kv').where('key', '=', cursorKey(id)).execute();
  });
}

/** The delivery log of one webhook, newest first, keyset-paged. */
export async function listDeliveries(ctx: CrmContext, webhookId: string, q: { status?: DeliveryStatus; limit: number; cursor?: string }): Promise<Page<Delivery>> {
  await getWebhook(ctx, webhookId);
  let query = ctx.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.cursor) {
    const [at, id] = decodeCursor(q.cursor, 2) as [number, string];
    query = query.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', id)])]));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit + 1).execute();
  const last = rows.length > q.limit ? rows[q.limit - 1] : undefined;
  return { items: rows.slice(0, q.limit).map(rowToDelivery), nextCursor: last ? encodeCursor([Number(last.created_at), last.id]) : null };
}

/** Sends a failed (or pending) delivery again now, with a fresh attempt budget. */
export async function redeliver(ctx: CrmContext, webhookId: string, deliveryId: string): Promise<Delivery> {
  const res = await ctx.db.updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: ctx.now() })
    .where('id', '=', deliveryId).where('webhook_id', '=', webhookId).executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw notFound('delivery', deliveryId);
  const row = await ctx.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirstOrThrow();
  return rowToDelivery(row);
}
