// One batch of one channel: lease, observe, plan, apply at most N writes (L1), then either ask
// for a continuation or advance the cursors; failures per L3/L4, the guard per X6.
import { randomUUID } from 'node:crypto';
import type { Author } from '../../domain/authors.js';
import type { CrmContext } from '../../crm/context.js';
import { getUser } from '../../crm/users.js';
import type { Keyring } from '../../security/keyring.js';
import { defaultDirectory } from '../../connectors/caldav/index.js';
import { RemoteError } from '../../connectors/types.js';
import { withBulkCheckpoints } from '../../store/checkpoints.js';
import { appointmentImportRule, contactCategoryImportRule, taskImportRule, type DecisionContext, type ImportRule } from '../decide/context.js';
import { NO_FIELD_RULES } from '../decide/limits.js';
import { DEFAULT_MASS_DELETION_GUARD, massDeletionSaturation, massDeletionThreshold, planRun } from '../decide/plan.js';
import { writesData } from '../decide/actions.js';
import type { Appointment, SyncSettings, Unit } from '../../domain/records.js';
import {
  acquireLease, getChannel, releaseLease, retryDelayMs, statusAfterFailure, updateChannel, ZERO_COUNTS,
  type Channel, type ChannelCounts, type RunCheckpoint,
} from './channels.js';
import { applyActions } from './apply.js';
import { loadDirectory } from './directory.js';
import { finishRun, recordEvent, startRun } from './history.js';
import { countLinks, touchLinkVersion } from './links.js';
import { observe, type Observation } from './observe.js';
import { defaultConnectorFactory, getTarget, setTargetStatus, targetSecret, type ConnectorFactory } from './targets.js';

export interface EngineDeps {
  ctx: CrmContext;
  keyring: Keyring;
  connectorFactory?: ConnectorFactory;
  /** Identifies this process in run leases. */
  owner?: string;
}

export type Trigger = 'auto' | 'manual';

export type BatchOutcome =
  | { kind: 'done'; status: 'completed' | 'completed-with-warnings'; counts: ChannelCounts }
  /** L1: more to do; run the next batch right away. */
  | { kind: 'continue'; progress: { done: number; total: number } }
  | { kind: 'paused'; reason: string }
  | { kind: 'failed'; error: string; retryAt: number; suspended: boolean; auth: boolean }
  /** Another run of this channel holds the lease (O2). */
  | { kind: 'busy' }
  | { kind: 'skipped'; reason: string };

/**
 * The run lease is short and renewed while the batch runs, so a process killed mid-run (kill -9)
 * blocks its channel for at most this long before another process may take it over.
 */
const LEASE_MS = 60_000;

function importRuleFor(unit: Unit, userId: string, s: SyncSettings): ImportRule {
  switch (unit) {
    case 'contacts': return contactCategoryImportRule({ customer: s.importCustomerWords, prospect: s.importProspectWords });
    case 'calendar': return appointmentImportRule(userId, { requireLinkedContact: s.importAppointmentsNeedContact, hasLinkedContact: () => false });
    case 'tasks': return taskImportRule(userId);
  }
}

const addCounts = (a: ChannelCounts, b: ChannelCounts): ChannelCounts => ({
  created: a.created + b.created, updated: a.updated + b.updated, deleted: a.deleted + b.deleted,
  skipped: a.skipped + b.skipped, conflicts: a.conflicts + b.conflicts,
});

async function openRunId(ctx: CrmContext, channel: Channel, trigger: Trigger): Promise<number> {
  if (channel.status === 'continuing') {
    const open = await ctx.db.selectFrom('sync_runs').select('id').where('channel_id', '=', channel.id)
      .where('status', 'in', ['running', 'continuing']).orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (open) return Number(open.id);
  }
  return startRun(ctx, channel.id, trigger, ZERO_COUNTS);
}

/**
 * Where the next batch of a continuing run starts (L1). A side's cursor moves to what this batch
 * observed only when everything planned from it was carried out: with actions left over (the
 * write limit), the batch's start stays, and the next batch re-observes from there and finds the
 * finished items quiet; new remote items left for later pin the remote cursor, since a connector
 * cursor cannot point between items. Deferred new CRM items are found above `crmAfter`.
 */
function checkpointAfter(obs: Observation, remainingActions: number): RunCheckpoint {
  if (remainingActions > 0) return { ...obs.start, takenAbove: obs.start.crmAfter !== null };
  return {
    initial: obs.initial, crmRevision: obs.crmRevision, crmAfter: obs.crmAfter, takenAbove: false,
    remoteCursor: obs.remoteDeferred > 0 ? obs.start.remoteCursor : obs.remoteCursor,
  };
}

/**
 * Runs one batch. `confirmMassDeletion` is the user's answer to a paused run (X6).
 * Manual runs resume a suspended channel (L3).
 */
export async function runBatch(deps: EngineDeps, channelId: string, trigger: Trigger, opts: { confirmMassDeletion?: boolean } = {}): Promise<BatchOutcome> {
  // A batch writes hundreds of link and history rows and the CRM's changes: fewer WAL checkpoints
  // meanwhile (SQLite; src/store/checkpoints.ts).
  return withBulkCheckpoints(deps.ctx.db, () => runOneBatch(deps, channelId, trigger, opts));
}

async function runOneBatch(deps: EngineDeps, channelId: string, trigger: Trigger, opts: { confirmMassDeletion?: boolean }): Promise<BatchOutcome> {
  const { ctx } = deps;
  const owner = deps.owner ?? `proc-${process.pid}`;
  const channel = await getChannel(ctx, channelId);
  if (channel.mode === 'off') return { kind: 'skipped', reason: 'channel is off (D1)' };
  if (trigger === 'auto' && (channel.status === 'suspended' || channel.status === 'auth-failed' || channel.status === 'paused')) {
    return { kind: 'skipped', reason: channel.statusReason ?? channel.status };
  }
  if (!(await acquireLease(ctx, channelId, owner, LEASE_MS))) return { kind: 'busy' };
  const heartbeat = setInterval(() => { acquireLease(ctx, channelId, owner, LEASE_MS).catch(() => {}); }, LEASE_MS / 3);
  heartbeat.unref();
  const runId = await openRunId(ctx, channel, trigger);
  const carried = channel.status === 'continuing' ? channel.counts : ZERO_COUNTS;
  const doneBefore = channel.status === 'continuing' ? channel.progress.done : 0;
  try {
    const target = await getTarget(ctx, channel.targetId);
    const secret = await targetSecret(ctx, deps.keyring, target.id);
    const factory = deps.connectorFactory ?? defaultConnectorFactory;
    const obs = await observe(ctx, factory(target, secret, defaultDirectory), channel);
    const user = await getUser(ctx, channel.userId);
    const decision: DecisionContext = {
      unit: channel.unit, userId: channel.userId, conflictPolicy: channel.conflictPolicy,
      contactDeletion: channel.contactDeletion === 'archive' ? 'archive' : 'removeSyncTick',
      importRule: importRuleFor(channel.unit, channel.userId, user.settings), fieldRules: NO_FIELD_RULES, factsOf: obs.factsOf,
    };
    // X6: the threshold refers to the whole set (the channel's links), not to the cells of this
    // run, which hold only what changed.
    const setSize = await countLinks(ctx, channelId, massDeletionSaturation(DEFAULT_MASS_DELETION_GUARD));
    const threshold = massDeletionThreshold(setSize, DEFAULT_MASS_DELETION_GUARD);
    const plan = planRun(obs.cells, {
      ...decision, mode: channel.mode, initial: obs.initial, guard: { ratio: 0, minItems: threshold, maxItems: threshold },
      confirmMassDeletion: opts.confirmMassDeletion ?? false,
    });
    if (plan.status === 'paused') {
      await updateChannel(ctx, channelId, { status: 'paused', statusReason: plan.reason.message, lastRunAt: ctx.now(), runCheckpoint: null });
      await finishRun(ctx, runId, 'paused', carried, plan.reason.message);
      return { kind: 'paused', reason: plan.reason.message };
    }
    for (const move of obs.versionMoves) await touchLinkVersion(ctx, channelId, move.crmId, move.version);
    const appointmentsInPlay = channel.unit === 'calendar' ? [...obs.records.values()] as Appointment[] : [];
    const writer = factory(target, secret, await loadDirectory(ctx, appointmentsInPlay));
    const author: Author = { kind: 'target', id: target.id, label: `target ${target.label} (${channel.unit})` };
    for (const u of obs.unreadable) {
      await recordEvent(ctx, { channelId, runId, crmId: null, remoteHref: u.href, direction: 'none', action: 'read', result: 'failed', message: u.reason });
    }
    const totalWrites = plan.actions.filter((a) => writesData(a.action)).length;
    const outcome = await applyActions({ ctx, connector: writer, channel, obs, author, runId }, plan.actions, channel.batchSize);
    const counts = addCounts(carried, { ...outcome.counts, skipped: outcome.counts.skipped + obs.unreadable.length });
    const handledWrites = plan.actions.slice(0, outcome.handled).filter((a) => writesData(a.action)).length;
    const progress = { done: doneBefore + handledWrites, total: doneBefore + totalWrites + obs.deferred };
    const now = ctx.now();
    if (outcome.remaining > 0 || obs.deferred > 0) {
      // obs.deferred is a lower bound after the first batch (observe.ts): keep the larger total.
      if (channel.status === 'continuing') progress.total = Math.max(progress.total, channel.progress.total);
      await updateChannel(ctx, channelId, { status: 'continuing', statusReason: null, progress, counts, lastRunAt: now, nextRunAt: now, runCheckpoint: checkpointAfter(obs, outcome.remaining) });
      await ctx.db.updateTable('sync_runs').set({ status: 'continuing', counts: JSON.stringify(counts) }).where('id', '=', runId).execute();
      return { kind: 'continue', progress };
    }
    const status = counts.skipped > 0 ? 'completed-with-warnings' : 'completed';
    await updateChannel(ctx, channelId, {
      crmRevision: obs.crmRevision, remoteCursor: obs.remoteCursor, status: 'idle', statusReason: status === 'completed' ? null : 'completed with warnings',
      consecutiveFailures: 0, progress, counts, lastRunAt: now, lastSuccessAt: now, nextRunAt: now + channel.intervalMs, runCheckpoint: null,
    });
    await finishRun(ctx, runId, status, counts, null);
    return { kind: 'done', status, counts };
  } catch (e) {
    const remote = e instanceof RemoteError ? e : null;
    const kind = remote?.kind === 'auth' ? 'auth' : remote?.kind === 'transient' ? 'transient' : 'other';
    const next = statusAfterFailure(channel, trigger, kind);
    const retryAt = ctx.now() + retryDelayMs(next.consecutiveFailures ?? 1, channel.intervalMs, remote?.retryAfterSeconds ?? null);
    const message = e instanceof Error ? e.message : String(e);
    await updateChannel(ctx, channelId, { ...next, lastRunAt: ctx.now(), nextRunAt: retryAt, runCheckpoint: null });
    if (kind === 'auth') await setTargetStatus(ctx, channel.targetId, 'auth-failed', 'sign in again');
    await recordEvent(ctx, { channelId, runId, crmId: null, remoteHref: null, direction: 'none', action: 'run', result: 'failed', message: `${channel.unit}: ${message}` });
    await finishRun(ctx, runId, 'failed', carried, message);
    return { kind: 'failed', error: message, retryAt, suspended: next.status === 'suspended', auth: kind === 'auth' };
  } finally {
    clearInterval(heartbeat);
    await releaseLease(ctx, channelId, owner);
  }
}

/** Runs batches until the channel's run ends (CLI `crmsync sync`, tests); reports progress. */
export async function runToEnd(deps: EngineDeps, channelId: string, trigger: Trigger, opts: { confirmMassDeletion?: boolean; onProgress?: (p: { done: number; total: number }) => void; maxBatches?: number } = {}): Promise<BatchOutcome> {
  const owner = deps.owner ?? `run-${randomUUID()}`;
  return withBulkCheckpoints(deps.ctx.db, async () => { // kept raised between the batches too
    for (let i = 0; i < (opts.maxBatches ?? 10_000); i++) {
      const out = await runBatch({ ...deps, owner }, channelId, trigger, opts);
      if (out.kind !== 'continue') return out;
      opts.onProgress?.(out.progress);
    }
    return { kind: 'failed', error: 'too many batches', retryAt: deps.ctx.now(), suspended: false, auth: false };
  });
}
