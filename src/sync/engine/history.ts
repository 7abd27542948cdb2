// Per-item sync history (H2: the last 3 events per item in UI and API) and the run log (L3: each
// failure with time, unit, item and error text).
import type { CrmContext } from '../../crm/context.js';
import { chunks } from '../../crm/context.js';
import { withSqliteStatement } from '../../store/native.js';
import type { ChannelCounts } from './channels.js';

export type Direction = 'to-remote' | 'to-crm' | 'both' | 'none';
export type EventResult = 'ok' | 'skipped' | 'failed' | 'conflict';

export interface SyncEvent {
  at: number;
  channelId: string;
  runId: number | null;
  crmId: string | null;
  remoteHref: string | null;
  direction: Direction;
  action: string;
  result: EventResult;
  message: string;
}

export async function recordEvent(ctx: CrmContext, e: Omit<SyncEvent, 'at'>): Promise<void> {
  await ctx.db.insertInto('sync_events').values({
    channel_id: e.channelId, run_id: e.runId, crm_id: e.crmId, remote_href: e.remoteHref, at: ctx.now(),
    direction: e.direction, action: e.action, result: e.result, message: e.message,
  }).execute();
}

const rowToEvent = (r: { at: number; channel_id: string; run_id: number | null; crm_id: string | null; remote_href: string | null; direction: string; action: string; result: string; message: string }): SyncEvent => ({
  at: Number(r.at), channelId: r.channel_id, runId: r.run_id === null ? null : Number(r.run_id), crmId: r.crm_id,
  remoteHref: r.remote_href, direction: r.direction as Direction, action: r.action, result: r.result as EventResult, message: r.message,
});

/** H2: the last `limit` (default 3) sync events of one CRM item, newest first, over all channels. */
export async function itemHistory(ctx: CrmContext, crmId: string, limit = 3): Promise<SyncEvent[]> {
  const rows = await ctx.db.selectFrom('sync_events').selectAll().where('crm_id', '=', crmId).orderBy('id', 'desc').limit(limit).execute();
  return rows.map(rowToEvent);
}

export async function channelEvents(ctx: CrmContext, channelId: string, opts: { limit: number; failuresOnly?: boolean }): Promise<SyncEvent[]> {
  let q = ctx.db.selectFrom('sync_events').selectAll().where('channel_id', '=', channelId);
  if (opts.failuresOnly) q = q.where('result', '=', 'failed');
  return (await q.orderBy('id', 'desc').limit(opts.limit).execute()).map(rowToEvent);
}

export type RunStatus = 'running' | 'completed' | 'completed-with-warnings' | 'failed' | 'paused' | 'continuing';

export interface SyncRun {
  id: number;
  channelId: string;
  trigger: 'auto' | 'manual';
  startedAt: number;
  finishedAt: number | null;
  status: RunStatus;
  counts: ChannelCounts;
  error: string | null;
}

export async function startRun(ctx: CrmContext, channelId: string, trigger: 'auto' | 'manual', counts: ChannelCounts): Promise<number> {
  const r = await ctx.db.insertInto('sync_runs').values({
    channel_id: channelId, trigger, started_at: ctx.now(), finished_at: null, status: 'running', counts: JSON.stringify(counts), error: null,
  }).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function finishRun(ctx: CrmContext, runId: number, status: RunStatus, counts: ChannelCounts, error: string | null): Promise<void> {
  await ctx.db.updateTable('sync_runs').set({ finished_at: ctx.now(), status, counts: JSON.stringify(counts), error }).where('id', '=', runId).execute();
}

export async function listRuns(ctx: CrmContext, channelId: string, limit = 20): Promise<SyncRun[]> {
  const rows = await ctx.db.selectFrom('sync_runs').selectAll().where('channel_id', '=', channelId).orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id), channelId: r.channel_id, trigger: r.trigger as SyncRun['trigger'], startedAt: Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at), status: r.status as RunStatus,
    counts: JSON.parse(r.counts) as ChannelCounts, error: r.error,
  }));
}

/**
 * L5 "skipped with its reason; retried at the next run": the items the channel's last finished run
 * skipped with a failure (a write the target rejected, a CRM patch refused, an item changed or gone
 * meanwhile, an unreadable item). That run advanced the cursors past them, so without this the
 * next run would never look at them again until they changed once more (found by the engine's
 * model-based property test: a CRM record whose create failed was never copied).
 */
export async function lastRunFailures(ctx: CrmContext, channelId: string): Promise<{ crmIds: string[]; hrefs: string[] }> {
  const last = await ctx.db.selectFrom('sync_runs').select(['id', 'status']).where('channel_id', '=', channelId)
    .where('status', 'in', ['completed', 'completed-with-warnings']).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!last || last.status !== 'completed-with-warnings') return { crmIds: [], hrefs: [] };
  const rows = await ctx.db.selectFrom('sync_events').select(['crm_id', 'remote_href']).where('channel_id', '=', channelId)
    .where('run_id', '=', Number(last.id)).where('result', '=', 'failed').execute();
  const crmIds = new Set<string>();
  const hrefs = new Set<string>();
  for (const r of rows) {
    if (r.crm_id) crmIds.add(r.crm_id);
    if (r.remote_href) hrefs.add(r.remote_href);
  }
  return { crmIds: [...crmIds], hrefs: [...hrefs] };
}

/**
 * Which of the given CRM ids or hrefs the channel's current run (its newest run row: runBatch opens
 * or continues it before observing) has already recorded an event for. New items taken batch by
 * batch (L1) are tried once per run: one the target keeps rejecting, or a target item the import
 * rule refuses, stays unlinked, and without this the batches would pick it again and again and
 * never finish. CRM ids are looked up by the item index, so the cost follows the batch, not the
 * run; hrefs have no index and read the run's events (only new remote items ask).
 */
export async function triedInCurrentRun(ctx: CrmContext, channelId: string, subjects: { crmIds?: readonly string[]; hrefs?: readonly string[] }): Promise<Set<string>> {
  const tried = new Set<string>();
  const crmIds = subjects.crmIds ?? [];
  const hrefs = subjects.hrefs ?? [];
  if (crmIds.length === 0 && hrefs.length === 0) return tried;
  const run = await ctx.db.selectFrom('sync_runs').select('id').where('channel_id', '=', channelId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!run) return tried;
  const runId = Number(run.id);
  // SQLite: a kept statement taking the ids as one JSON parameter (src/store/native.ts); each
  // batch of a first sync asks this for its new items. The unary `+` keeps the planner on the item
  // index (sync_events_item): with the ids in a subquery it would otherwise walk the channel's
  // events (sync_events_channel), whose number grows with the run.
  const native = crmIds.length === 0 ? null : await withSqliteStatement(ctx.db,
    'select "crm_id" from "sync_events" where "crm_id" in (select "value" from json_each(?)) and +"channel_id" = ? and +"run_id" = ?',
    (st) => st.all(JSON.stringify(crmIds), channelId, runId) as { crm_id: string | null }[]);
  if (native) for (const r of native.value) if (r.crm_id) tried.add(r.crm_id);
  for (const part of native ? [] : chunks(crmIds, 500)) {
    const rows = await ctx.db.selectFrom('sync_events').select('crm_id').where('crm_id', 'in', part)
      .where('channel_id', '=', channelId).where('run_id', '=', runId).execute();
    for (const r of rows) if (r.crm_id) tried.add(r.crm_id);
  }
  if (hrefs.length > 0) {
    const wanted = new Set(hrefs);
    const rows = await ctx.db.selectFrom('sync_events').select('remote_href').where('channel_id', '=', channelId).where('run_id', '=', runId).execute();
    for (const r of rows) if (r.remote_href && wanted.has(r.remote_href)) tried.add(r.remote_href);
  }
  return tried;
}
