// When channels run (D2, L1, L3): requests are written to the channel row, so any process — a web
// node answering "sync now", a worker, the CLI — sees the same truth, and the job engine only has
// to carry out what is due.
import type { CrmContext } from '../../crm/context.js';
import type { Unit } from '../../domain/records.js';
import { getChannel, rowToChannel, type Channel } from './channels.js';
import { runBatch, type BatchOutcome, type EngineDeps, type Trigger } from './run.js';

/** "Sync now" for one channel: a manual run (which also resumes a suspended or paused channel, L3). */
export async function requestSync(ctx: CrmContext, channelId: string, opts: { confirmMassDeletion?: boolean } = {}): Promise<Channel> {
  await getChannel(ctx, channelId);
  await ctx.db.updateTable('channels').set({
    pending_trigger: 'manual', next_run_at: ctx.now(), updated_at: ctx.now(),
    ...(opts.confirmMassDeletion ? { confirm_deletion: 1 } : {}),
  }).where('id', '=', channelId).execute();
  return getChannel(ctx, channelId);
}

/** "Sync all" (D2): every channel of the user, or of one unit. */
export async function requestSyncAll(ctx: CrmContext, userId: string, unit?: Unit): Promise<Channel[]> {
  let q = ctx.db.updateTable('channels').set({ pending_trigger: 'manual', next_run_at: ctx.now(), updated_at: ctx.now() })
    .where('user_id', '=', userId).where('mode', '!=', 'off');
  if (unit) q = q.where('unit', '=', unit);
  await q.execute();
  let sel = ctx.db.selectFrom('channels').selectAll().where('user_id', '=', userId);
  if (unit) sel = sel.where('unit', '=', unit);
  return (await sel.execute()).map(rowToChannel);
}

/**
 * Channels that should run now: a pending "sync now", a continuation (L1), or an automatic
 * run that fell due — including those that fell due while the process was down.
 */
export async function dueChannelIds(ctx: CrmContext, now: number): Promise<string[]> {
  const rows = await ctx.db.selectFrom('channels').select('id')
    .where('mode', '!=', 'off')
    .where((eb) => eb.or([
      eb('pending_trigger', 'is not', null),
      eb.and([eb('status', '=', 'continuing'), eb('next_run_at', '<=', now)]),
      eb.and([eb('automatic', '=', 1), eb('status', '=', 'idle'), eb('next_run_at', '<=', now)]),
    ]))
    .orderBy('next_run_at').execute();
  return rows.map((r) => r.id);
}

/**
 * Runs the next batch of a channel as requested on its row. The request flags are taken before
 * the run (a "sync now" arriving during it is kept for the next one); a continuation keeps the
 * trigger of the run it continues.
 */
export async function runDueBatch(deps: EngineDeps, channelId: string): Promise<BatchOutcome> {
  const { ctx } = deps;
  const channel = await ctx.db.selectFrom('channels').select(['pending_trigger', 'confirm_deletion', 'status']).where('id', '=', channelId).executeTakeFirst();
  if (!channel) return { kind: 'skipped', reason: 'channel removed' };
  let trigger: Trigger = channel.pending_trigger === 'manual' ? 'manual' : 'auto';
  if (trigger === 'auto' && channel.status === 'continuing') {
    const open = await ctx.db.selectFrom('sync_runs').select('trigger').where('channel_id', '=', channelId)
      .where('status', '=', 'continuing').orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (open?.trigger === 'manual') trigger = 'manual';
  }
  const confirm = channel.confirm_deletion === 1;
  if (channel.pending_trigger !== null || confirm) {
    await ctx.db.updateTable('channels').set({ pending_trigger: null, confirm_deletion: 0 }).where('id', '=', channelId).execute();
  }
  const out = await runBatch(deps, channelId, trigger, { confirmMassDeletion: confirm });
  if (out.kind === 'busy' && channel.pending_trigger !== null) {
    // Another process is running it; keep the request for its next turn.
    await ctx.db.updateTable('channels').set({ pending_trigger: channel.pending_trigger, confirm_deletion: confirm ? 1 : 0 }).where('id', '=', channelId).execute();
  }
  return out;
}
