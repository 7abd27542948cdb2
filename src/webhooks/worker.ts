// Webhook delivery (issue 2 item 6). Enqueueing scans the journal after each webhook's cursor,
// so no write path needs to know about webhooks and nothing is lost when the process stops;
// delivery POSTs signed JSON and retries with backoff, keeping a log per webhook.
// Both steps are safe with several workers (O2): the cursor advances by compare-and-set, and a
// delivery is claimed by moving its next attempt time before it is sent.
import { randomUUID } from 'node:crypto';
import { inTransaction, type CrmContext } from '../crm/context.js';
import { listJournal, type JournalEntry } from '../crm/journal.js';
import { FOREIGN_AUTHOR_KINDS } from '../domain/authors.js';
import type { Keyring } from '../security/keyring.js';
import { eventName, subscribes } from './events.js';
import { SIGNATURE_HEADER, signPayload, TIMESTAMP_HEADER } from './sign.js';
import { cursorKey, listWebhooks, rowToDelivery, webhookSecret, type Webhook } from './store.js';

/** Wait before attempt n+1 after n failures: 30 s, 2 min, 10 min, 1 h, then 6 h; 8 attempts in all. */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 3_600_000, 21_600_000, 21_600_000, 21_600_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
const SCAN_BATCH = 500;
const DELIVERY_BATCH = 50;
/** A claimed delivery is not picked up by another worker for this long. */
const CLAIM_MS = 60_000;
const TIMEOUT_MS = 10_000;

export interface WebhookPayload { id: string; event: string; occurredAt: number; data: unknown }

function payloadOf(deliveryId: string, e: JournalEntry): WebhookPayload {
  return {
    id: deliveryId, event: eventName(e), occurredAt: e.at,
    data: {
      journalId: e.id, recordKind: e.recordKind, recordId: e.recordId, subjectUserId: e.subjectUserId,
      action: e.action, author: e.author, before: e.before, after: e.after,
    },
  };
}

class CursorMoved extends Error {}

/** Enqueues one batch for one webhook; returns how many journal entries were scanned. */
async function enqueueBatch(ctx: CrmContext, hook: Webhook): Promise<number> {
  return inTransaction(ctx, async (tx) => {
    const key = cursorKey(hook.id);
    const row = await tx.db.selectFrom('settings_kv').select('value').where('key', '=', key).executeTakeFirst();
    if (!row) return 0; // the webhook was deleted meanwhile
    const after = Number(row.value);
    const everything = hook.events.includes('*');
    const entries = await listJournal(tx, { after, limit: SCAN_BATCH, ...(everything ? {} : { authorKinds: FOREIGN_AUTHOR_KINDS }) });
    const last = entries[entries.length - 1];
    if (!last) return 0;
    const now = tx.now();
    const rows = entries.filter((e) => subscribes(hook.events, e)).map((e) => {
      const id = randomUUID();
      return {
        id, webhook_id: hook.id, event: eventName(e), payload: JSON.stringify(payloadOf(id, e)), status: 'pending', attempts: 0,
        next_attempt_at: now, last_status_code: null, last_error: null, created_at: now, delivered_at: null,
      };
    });
    for (let i = 0; i < rows.length; i += 100) await tx.db.insertInto('webhook_deliveries').values(rows.slice(i, i + 100)).execute();
    const moved = await tx.db.updateTable('settings_kv').set({ value: String(last.id) })
      .where('key', '=', key).where('value', '=', row.value).executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw new CursorMoved(); // another worker took this batch
    return entries.length;
  });
}

/** Turns new journal entries into pending deliveries for every active webhook. */
export async function enqueueDeliveries(ctx: CrmContext): Promise<void> {
  for (const hook of await listWebhooks(ctx)) {
    if (!hook.active) continue; // a paused webhook keeps its place and catches up when resumed
    try {
      while ((await enqueueBatch(ctx, hook)) === SCAN_BATCH) { /* keep catching up */ }
    } catch (e) {
      if (!(e instanceof CursorMoved)) throw e;
    }
  }
}

function retryAfterMs(header: string | null): number {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : at - Date.now();
}

export interface DeliveryOutcome { id: string; ok: boolean; status: number | null }

/** Sends every due delivery once; returns what happened to each. */
export async function deliverDue(ctx: CrmContext, keyring: Keyring): Promise<DeliveryOutcome[]> {
  const now = ctx.now();
  const due = await ctx.db.selectFrom('webhook_deliveries').innerJoin('webhooks', 'webhooks.id', 'webhook_deliveries.webhook_id')
    .selectAll('webhook_deliveries').select('webhooks.url')
    .where('webhook_deliveries.status', '=', 'pending').where('webhook_deliveries.next_attempt_at', '<=', now)
    .where('webhooks.active', '=', 1)
    .orderBy('webhook_deliveries.next_attempt_at').orderBy('webhook_deliveries.created_at').limit(DELIVERY_BATCH).execute();
  const outcomes: DeliveryOutcome[] = [];
  for (const d of due) {
    const claimed = await ctx.db.updateTable('webhook_deliveries').set({ next_attempt_at: now + CLAIM_MS })
      .where('id', '=', d.id).where('status', '=', 'pending').where('next_attempt_at', '=', d.next_attempt_at).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue;
    const delivery = rowToDelivery(d);
    const secret = await webhookSecret(ctx, keyring, d.webhook_id);
    const timestamp = Math.floor(ctx.now() / 1000);
    let status: number | null = null;
    let error: string | null = null;
    let wait = 0;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          'content-type': 'application/json', 'user-agent': 'crmsync-webhooks',
          [SIGNATURE_HEADER]: signPayload(secret, timestamp, d.payload), [TIMESTAMP_HEADER]: String(timestamp),
          'x-crmsync-event': delivery.event, 'x-crmsync-delivery': delivery.id,
        },
        body: d.payload,
      });
      status = res.status;
      wait = retryAfterMs(res.headers.get('retry-after'));
      await res.body?.cancel();
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      error = `${(e as Error).message}${cause ? ` (${cause})` : ''}`;
    }
    const attempts = d.attempts + 1;
    const ok = error === null;
    const delay = Math.min(Math.max(RETRY_DELAYS_MS[attempts - 1] ?? 0, wait), RETRY_DELAYS_MS[RETRY_DELAYS_MS.length - 1]!);
    const after = ctx.now();
    await ctx.db.updateTable('webhook_deliveries').set({
      attempts, last_status_code: status, last_error: error,
      status: ok ? 'delivered' : attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
      next_attempt_at: ok || attempts >= MAX_ATTEMPTS ? null : after + delay,
      delivered_at: ok ? after : null,
    }).where('id', '=', d.id).execute();
    outcomes.push({ id: d.id, ok, status });
  }
  return outcomes;
}

/** One cycle of the background worker. */
export async function runWebhooks(ctx: CrmContext, keyring: Keyring): Promise<DeliveryOutcome[]> {
  await enqueueDeliveries(ctx);
  return deliverDue(ctx, keyring);
}

/** Delivery log retention: finished deliveries older than this are removed by the daily job. */
export const DELIVERY_LOG_MS = 30 * 86_400_000;

export async function pruneDeliveries(ctx: CrmContext): Promise<number> {
  const res = await ctx.db.deleteFrom('webhook_deliveries').where('status', 'in', ['delivered', 'failed'])
    .where('created_at', '<', ctx.now() - DELIVERY_LOG_MS).executeTakeFirst();
  return Number(res.numDeletedRows);
}
