// Channels: one per (user, target, unit) with cursor, status, failures and progress (SPEC H1, L1,
// L3, D1, D2). Status changes happen here only, so the rules for suspension and resumption live
// in one place.
import type { Selectable } from 'kysely';
import type { Unit } from '../../domain/records.js';
import { notFound } from '../../domain/errors.js';
import type { ChannelsTable } from '../../store/schema.js';
import type { CrmContext } from '../../crm/context.js';
import type { ConflictPolicy } from '../decide/merge.js';

export type ChannelMode = 'off' | 'one-way' | 'two-way';
export type ChannelStatus =
  | 'idle'
  /** A batch is done and the next one is queued (L1 continuation). */
  | 'continuing'
  /** X6: the mass-deletion guard stopped the run; waits for confirmation. */
  | 'paused'
  /** L3: 5 automatic failures in a row; a manual sync or restart resumes. */
  | 'suspended'
  /** L4: credentials rejected: "sign in again". */
  | 'auth-failed';

export interface ChannelCounts {
  created: number;
  updated: number;
  deleted: number;
  skipped: number;
  conflicts: number;
}
export const ZERO_COUNTS: ChannelCounts = { created: 0, updated: 0, deleted: 0, skipped: 0, conflicts: 0 };

/**
 * Where a continuing run stands between its batches (L1): the cursors up to which it has handled
 * everything, so the next batch observes only what came after them instead of the whole set again.
 * Saved with the 'continuing' status in one statement; a batch that dies before saving leaves the
 * previous checkpoint, and its successor re-observes from there (its finished items are quiet, its
 * unlinked writes are relinked by the strong keys, M2). Used only while the status is 'continuing'.
 */
export interface RunCheckpoint {
  /** The run is a first sync or follows a reset: M1 matches with every key tier, in every batch. */
  initial: boolean;
  /** CRM set revision handled so far (null: the next batch lists the whole set). */
  crmRevision: number | null;
  /**
   * New (unlinked) CRM members are taken in key order, a batch at a time; those above this key
   * are not taken yet and are read from the set itself, since the revision has moved past them.
   * Null: none are waiting.
   */
  crmAfter: string | null;
  /**
   * Some items above `crmAfter` may have been taken by this run already: a batch stopped at its
   * write limit and kept its start. Those are then checked against the run's history (tried once
   * per run); otherwise nothing above the key was taken, and no lookup is needed.
   */
  takenAbove: boolean;
  /** Connector cursor handled so far (null: the next batch lists the whole collection). */
  remoteCursor: string | null;
}

/** L3: automatic sync stops after this many failures in a row. */
export const MAX_CONSECUTIVE_FAILURES = 5;

export interface Channel {
  id: string;
  targetId: string;
  userId: string;
  unit: Unit;
  remoteCollection: string;
  mode: ChannelMode;
  conflictPolicy: ConflictPolicy;
  contactDeletion: 'untick' | 'archive';
  automatic: boolean;
  intervalMs: number;
  batchSize: number;
  crmRevision: number | null;
  remoteCursor: string | null;
  status: ChannelStatus;
  statusReason: string | null;
  consecutiveFailures: number;
  nextRunAt: number | null;
  lastRunAt: number | null;
  lastSuccessAt: number | null;
  progress: { done: number; total: number };
  counts: ChannelCounts;
  runCheckpoint: RunCheckpoint | null;
}

export function rowToChannel(r: Selectable<ChannelsTable>): Channel {
  return {
    id: r.id, targetId: r.target_id, userId: r.user_id, unit: r.unit as Unit, remoteCollection: r.remote_collection,
    mode: r.mode as ChannelMode, conflictPolicy: r.conflict_policy as ConflictPolicy,
    contactDeletion: r.contact_deletion as Channel['contactDeletion'], automatic: r.automatic === 1,
    intervalMs: Number(r.interval_ms), batchSize: r.batch_size,
    crmRevision: r.crm_revision === null ? null : Number(r.crm_revision), remoteCursor: r.remote_cursor,
    status: r.status as ChannelStatus, statusReason: r.status_reason, consecutiveFailures: r.consecutive_failures,
    nextRunAt: r.next_run_at === null ? null : Number(r.next_run_at), lastRunAt: r.last_run_at === null ? null : Number(r.last_run_at),
    lastSuccessAt: r.last_success_at === null ? null : Number(r.last_success_at),
    progress: { done: r.progress_done, total: r.progress_total }, counts: JSON.parse(r.counts) as ChannelCounts,
    runCheckpoint: r.run_checkpoint === null ? null : JSON.parse(r.run_checkpoint) as RunCheckpoint,
  };
}

export async function getChannel(ctx: CrmContext, id: string): Promise<Channel> {
  const r = await ctx.db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('channel', id);
  return rowToChannel(r);
}

export async function listChannels(ctx: CrmContext, filter: { userId?: string; targetId?: string }): Promise<Channel[]> {
  let q = ctx.db.selectFrom('channels').selectAll();
  if (filter.userId) q = q.where('user_id', '=', filter.userId);
  if (filter.targetId) q = q.where('target_id', '=', filter.targetId);
  return (await q.orderBy('target_id').orderBy('unit').execute()).map(rowToChannel);
}

/**
 * Takes the channel's run lease. Returns false when another run holds it (O2: never two runs of
 * one channel at once, whether started by a worker, the server or the CLI).
 */
export async function acquireLease(ctx: CrmContext, id: string, owner: string, ttlMs: number): Promise<boolean> {
  const now = ctx.now();
  const res = await ctx.db.updateTable('channels').set({ lock_owner: owner, lock_until: now + ttlMs })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('lock_until', 'is', null), eb('lock_until', '<', now), eb('lock_owner', '=', owner)]))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function releaseLease(ctx: CrmContext, id: string, owner: string): Promise<void> {
  await ctx.db.updateTable('channels').set({ lock_owner: null, lock_until: null })
    .where('id', '=', id).where('lock_owner', '=', owner).execute();
}

export interface ChannelPatch {
  mode?: ChannelMode;
  conflictPolicy?: ConflictPolicy;
  contactDeletion?: 'untick' | 'archive';
  automatic?: boolean;
  intervalMs?: number;
  batchSize?: number;
  crmRevision?: number | null;
  remoteCursor?: string | null;
  status?: ChannelStatus;
  statusReason?: string | null;
  consecutiveFailures?: number;
  nextRunAt?: number | null;
  lastRunAt?: number | null;
  lastSuccessAt?: number | null;
  progress?: { done: number; total: number };
  counts?: ChannelCounts;
  runCheckpoint?: RunCheckpoint | null;
}

export async function updateChannel(ctx: CrmContext, id: string, p: ChannelPatch): Promise<void> {
  const set: Partial<Selectable<ChannelsTable>> = { updated_at: ctx.now() };
  if (p.mode !== undefined) set.mode = p.mode;
  if (p.conflictPolicy !== undefined) set.conflict_policy = p.conflictPolicy;
  if (p.contactDeletion !== undefined) set.contact_deletion = p.contactDeletion;
  if (p.automatic !== undefined) set.automatic = p.automatic ? 1 : 0;
  if (p.intervalMs !== undefined) set.interval_ms = p.intervalMs;
  if (p.batchSize !== undefined) set.batch_size = p.batchSize;
  if (p.crmRevision !== undefined) set.crm_revision = p.crmRevision;
  if (p.remoteCursor !== undefined) set.remote_cursor = p.remoteCursor;
  if (p.status !== undefined) set.status = p.status;
  if (p.statusReason !== undefined) set.status_reason = p.statusReason;
  if (p.consecutiveFailures !== undefined) set.consecutive_failures = p.consecutiveFailures;
  if (p.nextRunAt !== undefined) set.next_run_at = p.nextRunAt;
  if (p.lastRunAt !== undefined) set.last_run_at = p.lastRunAt;
  if (p.lastSuccessAt !== undefined) set.last_success_at = p.lastSuccessAt;
  if (p.progress !== undefined) { set.progress_done = p.progress.done; set.progress_total = p.progress.total; }
  if (p.counts !== undefined) set.counts = JSON.stringify(p.counts);
  if (p.runCheckpoint !== undefined) set.run_checkpoint = p.runCheckpoint === null ? null : JSON.stringify(p.runCheckpoint);
  await ctx.db.updateTable('channels').set(set).where('id', '=', id).execute();
}

/** L3/L4 after a failed run: count it; an automatic run's fifth failure in a row suspends the channel. */
export function statusAfterFailure(c: Channel, trigger: 'auto' | 'manual', kind: 'transient' | 'auth' | 'other'): Pick<ChannelPatch, 'status' | 'statusReason' | 'consecutiveFailures'> {
  if (kind === 'auth') return { status: 'auth-failed', statusReason: 'the target rejected the credentials: sign in again', consecutiveFailures: c.consecutiveFailures + 1 };
  const failures = c.consecutiveFailures + 1;
  if (trigger === 'auto' && failures >= MAX_CONSECUTIVE_FAILURES) {
    return { status: 'suspended', statusReason: `automatic sync suspended after ${failures} failures in a row; sync now or restart to resume`, consecutiveFailures: failures };
  }
  return { status: 'idle', statusReason: null, consecutiveFailures: failures };
}

/** L4 backoff: exponential from 1 minute, capped at the channel interval, never sooner than Retry-After. */
export function retryDelayMs(failures: number, intervalMs: number, retryAfterSeconds: number | null): number {
  const backoff = Math.min(intervalMs, 60_000 * 2 ** Math.max(0, failures - 1));
  return Math.max(backoff, (retryAfterSeconds ?? 0) * 1000);
}
