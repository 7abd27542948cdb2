// Webhooks (issue 2 item 6; admin only): signed POSTs of changes, retried with backoff, with a
// delivery log per webhook.
import { z } from 'zod';
import { createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, redeliver, updateWebhook } from '../../webhooks/store.js';
import { EVENT_PATTERN, WEBHOOK_EVENTS } from '../../webhooks/events.js';
import type { ApiRouter } from '../router.js';
import { cursorParam, idParams, limitParam, pageOf } from '../schemas.js';

const events = z.array(z.string().regex(EVENT_PATTERN, `an event (${WEBHOOK_EVENTS.join(', ')}), "<kind>.*" or "*"`)).min(1).max(50)
  .describe('Names or "<kind>.*" receive changes made by devices and targets (the change feed); "*" receives every change.');
const url = z.string().url().max(2000).regex(/^https?:\/\//i, 'must be an http(s) URL');
const secret = z.string().min(16).max(500).describe('HMAC key; generated when left out');

const webhookSchema = z.object({
  id: z.string(), url: z.string(), events: z.array(z.string()), active: z.boolean(), createdBy: z.string(), createdAt: z.number().int(),
}).meta({ id: 'Webhook' });

const deliverySchema = z.object({
  id: z.string(), webhookId: z.string(), event: z.string(), status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(), nextAttemptAt: z.number().int().nullable(), lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(), createdAt: z.number().int(), deliveredAt: z.number().int().nullable(),
  payload: z.unknown().describe('the JSON body sent: {id, event, occurredAt, data}'),
}).meta({ id: 'WebhookDelivery' });

export function webhookRoutes(api: ApiRouter): void {
  const { crm: ctx, keyring } = api.app;
  const tag = 'Webhooks';

  api.add({
    method: 'POST', path: '/webhooks', operationId: 'createWebhook', tag, access: 'admin',
    summary: 'Subscribe a URL to changes',
    description: 'Each delivery is a POST of {id, event, occurredAt, data} with X-Crmsync-Timestamp and '
      + 'X-Crmsync-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">. Failures are retried after 30 s, 2 min, '
      + '10 min, 1 h and 6 h; after 8 attempts the delivery is failed. The secret is shown only in this answer.',
    body: z.object({ url, events, secret: secret.optional() }).strict().meta({ id: 'NewWebhook' }),
    response: { status: 201, description: 'The webhook and its secret', schema: z.object({ webhook: webhookSchema, secret: z.string() }) },
    handler: async ({ body, principal }) => createWebhook(ctx, keyring, { ...body, createdBy: principal.user.id }),
  });

  api.add({
    method: 'GET', path: '/webhooks', operationId: 'listWebhooks', tag, access: 'admin',
    summary: 'List webhooks',
    response: { status: 200, description: 'Webhooks', schema: z.object({ items: z.array(webhookSchema) }) },
    handler: async () => ({ items: await listWebhooks(ctx) }),
  });

  api.add({
    method: 'GET', path: '/webhooks/:id', operationId: 'getWebhook', tag, access: 'admin',
    summary: 'Read a webhook',
    params: idParams,
    response: { status: 200, description: 'The webhook', schema: webhookSchema },
    errors: [404],
    handler: async ({ params }) => getWebhook(ctx, params.id),
  });

  api.add({
    method: 'PATCH', path: '/webhooks/:id', operationId: 'updateWebhook', tag, access: 'admin',
    summary: 'Change URL, events or secret; pause (active: false) or resume a webhook',
    description: 'A paused webhook keeps its place in the journal and catches up when resumed.',
    params: idParams,
    body: z.object({ url: url.optional(), events: events.optional(), active: z.boolean().optional(), secret: secret.optional() }).strict(),
    response: { status: 200, description: 'The webhook as it is now', schema: webhookSchema },
    errors: [404],
    handler: async ({ params, body }) => updateWebhook(ctx, keyring, params.id, body),
  });

  api.add({
    method: 'DELETE', path: '/webhooks/:id', operationId: 'deleteWebhook', tag, access: 'admin',
    summary: 'Delete a webhook and its delivery log',
    params: idParams,
    response: { status: 204, description: 'Deleted' },
    errors: [404],
    handler: async ({ params }) => { await deleteWebhook(ctx, params.id); },
  });

  api.add({
    method: 'GET', path: '/webhooks/:id/deliveries', operationId: 'listWebhookDeliveries', tag, access: 'admin',
    summary: "A webhook's delivery log, newest first",
    params: idParams,
    query: z.object({ status: z.enum(['pending', 'delivered', 'failed']).optional(), limit: limitParam, cursor: cursorParam }),
    response: { status: 200, description: 'A page of deliveries', schema: pageOf(deliverySchema, 'WebhookDeliveryPage') },
    errors: [404],
    handler: async ({ params, query }) => listDeliveries(ctx, params.id, query),
  });

  api.add({
    method: 'POST', path: '/webhooks/:id/deliveries/:deliveryId/retry', operationId: 'retryWebhookDelivery', tag, access: 'admin',
    summary: 'Send a delivery again now (e.g. a failed one after the receiver is fixed)',
    params: z.object({ id: z.string().min(1).max(200), deliveryId: z.string().min(1).max(200) }),
    response: { status: 200, description: 'The delivery, pending again', schema: deliverySchema },
    errors: [404],
    handler: async ({ params }) => redeliver(ctx, params.id, params.deliveryId),
  });
}
