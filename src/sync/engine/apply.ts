// The applier: carries out a plan's actions against the CRM services and the connector, stores
// links and writes each item's history (issue 4 "Engine"; the meaning of every action is documented
// on the SyncAction union and mirrored by the in-memory applier the model test uses).
// CRM writes go through src/crm, so they are journaled with the target as author (X5) and keep
// the per-user sets true; none of them is a hard delete.
import type { Author } from '../../domain/authors.js';
import { CrmError } from '../../domain/errors.js';
import type { Appointment, Contact, Id, Task, Unit } from '../../domain/records.js';
import { taskDeletionEffect, withoutAttendee } from '../../domain/deletion.js';
import type { CrmContext } from '../../crm/context.js';
import { contacts, createContact, setTick } from '../../crm/contacts.js';
import { appointments } from '../../crm/appointments.js';
import { tasks } from '../../crm/tasks.js';
import { RemoteError, type Connector, type RemoteRef, type UnitPayload } from '../../connectors/types.js';
import { writesData, type CrmDeletionEffect, type CrmUndo, type SyncAction } from '../decide/actions.js';
import type { PlannedAction } from '../decide/plan.js';
import type { ImportAssignment } from '../decide/context.js';
import { hashFields, valuesEqual, type FieldMap } from '../model/fields.js';
import { assertNever, type CrmItem, type RemoteItem, type SyncLink } from '../model/state.js';
import type { Channel, ChannelCounts } from './channels.js';
import type { Direction, EventResult } from './history.js';
import { Bookkeeping } from './bookkeeping.js';
import { crmItemOf, storeFor, type AnyRecord, type Observation } from './observe.js';

export interface ApplyEnv {
  ctx: CrmContext;
  connector: Connector;
  channel: Channel;
  obs: Observation;
  author: Author;
  runId: number;
}

export interface ApplyOutcome {
  /** Actions carried out (or skipped with a reason) in this batch. */
  handled: number;
  /** Actions left for the next batch (L1). */
  remaining: number;
  counts: ChannelCounts;
  /** L5: items skipped with a reason; the run ends "completed with warnings". */
  warnings: number;
}

/**
 * `base` overlaid with `fields`. When `base` already holds every one of those values (a CRM
 * record and its own projection: the projection keeps the record's values), `base` itself: the
 * connector copies or serialises what it is given and never changes it.
 */
function payloadFor(unit: Unit, base: object, fields: FieldMap): UnitPayload {
  const record = base as Record<string, unknown>;
  for (const k in fields) {
    if (record[k] !== fields[k] || !Object.hasOwn(record, k)) return { unit, record: { ...base, ...fields } } as unknown as UnitPayload;
  }
  return { unit, record: base } as unknown as UnitPayload;
}

/** The record as the target should see it: the CRM record (attendees included, G2) overlaid with `fields`. */
function crmPayload(env: ApplyEnv, crmId: Id, fields: FieldMap): UnitPayload {
  const record = env.obs.records.get(crmId);
  if (!record) throw new CrmError('not_found', `record ${crmId} vanished during the run`);
  return payloadFor(env.channel.unit, record, fields);
}

function remoteBase(env: ApplyEnv, href: string): object {
  return env.obs.remoteItems.get(href)?.payload.record ?? {};
}

/** Same members holding the very same values (a shallow copy, e.g. F2 limits that cut nothing). */
function sameValues(a: FieldMap, b: FieldMap): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => a[k] === b[k]);
}

function linkFrom(crm: CrmItem, remote: { href: string; uid: string }, written: RemoteRef, remoteFields: FieldMap, base: FieldMap | null): SyncLink {
  return {
    crmId: crm.id, remoteHref: written.ref, remoteUid: remote.uid, remoteVersion: written.version,
    crmVersion: crm.version, crmHash: crm.hash, remoteHash: sameValues(remoteFields, crm.fields) ? crm.hash : hashFields(remoteFields), base,
    ...(base === crm.fields && crm.canonical !== undefined ? { baseJson: crm.canonical } : {}),
  };
}

async function reread(env: ApplyEnv, id: Id): Promise<CrmItem> {
  const record = await storeFor(env.channel.unit).get(env.ctx, id) as AnyRecord;
  env.obs.records.set(id, record);
  return crmItemOf(env.channel.unit, record);
}

async function writeRemote(env: ApplyEnv, remote: RemoteItem, crmId: Id, fields: FieldMap, base: object): Promise<RemoteRef> {
  const original = env.obs.remoteItems.get(remote.href);
  return env.connector.update(env.channel.remoteCollection,
    { ref: remote.href, version: remote.version, raw: original?.raw ?? null, uid: remote.uid, crmId },
    payloadFor(env.channel.unit, base, fields));
}

/** Writes `fields` over the remote copy when given (If-Match), then stores the link with `base`. */
async function writeAndLink(env: ApplyEnv & { book: Bookkeeping }, crm: CrmItem, remote: RemoteItem, fields: FieldMap | null, payloadBase: object, base: FieldMap): Promise<void> {
  const written: RemoteRef = fields
    ? await writeRemote(env, remote, crm.id, fields, payloadBase)
    : { ref: remote.href, version: remote.version };
  env.book.saveLink(linkFrom(crm, remote, written, fields ?? remote.fields, base));
}

async function patchCrm(env: ApplyEnv, crm: CrmItem, patch: FieldMap): Promise<CrmItem> {
  if (Object.keys(patch).length === 0) return crm;
  await storeFor(env.channel.unit).update(env.ctx, crm.id, { ...patch }, env.author, { expectedVersion: crm.version });
  return reread(env, crm.id);
}

/** X1–X3: what a deletion on the target does in the CRM. Never a hard delete (X5). */
async function applyDeletionEffect(env: ApplyEnv, crm: CrmItem, effect: CrmDeletionEffect): Promise<void> {
  const { ctx, author } = env;
  const expect = { expectedVersion: crm.version };
  switch (effect.kind) {
    case 'removeSyncTick':
      await setTick(ctx, crm.id, effect.userId, false, author);
      return;
    case 'archiveContact':
      await contacts.update(ctx, crm.id, { archived: true }, author, expect);
      return;
    case 'cancelAppointment':
      await appointments.update(ctx, crm.id, { status: 'cancelled' }, author, expect);
      return;
    case 'removeAttendee': {
      const a = await appointments.get(ctx, crm.id);
      await appointments.update(ctx, crm.id, { attendees: withoutAttendee(a, effect.userId) }, author, expect);
      return;
    }
    case 'removeResponsible': {
      const t = await tasks.get(ctx, crm.id);
      await tasks.update(ctx, crm.id, taskDeletionEffect(t, effect.userId), author, expect);
      return;
    }
    default:
      assertNever(effect);
  }
}

/** C2: bring a record that left the set back into it. */
async function undoLeave(env: ApplyEnv, crm: CrmItem, undo: CrmUndo): Promise<void> {
  const { ctx, author, channel } = env;
  switch (undo) {
    case 'retick':
      await setTick(ctx, crm.id, channel.userId, true, author);
      return;
    case 'unarchive':
      await contacts.update(ctx, crm.id, { archived: false }, author);
      return;
    case 'uncancel':
      await appointments.update(ctx, crm.id, { status: 'confirmed' }, author);
      return;
    case 'readdUser':
      if (channel.unit === 'calendar') {
        const a = await appointments.get(ctx, crm.id);
        await appointments.update(ctx, crm.id, { attendees: [...withoutAttendee(a, channel.userId), { kind: 'user', userId: channel.userId, role: 'required', status: 'accepted' }] }, author);
      } else {
        const t = await tasks.get(ctx, crm.id);
        await tasks.update(ctx, crm.id, { responsibleUserIds: [...new Set([...t.responsibleUserIds, channel.userId])], status: t.status === 'cancelled' ? 'needs-action' : t.status }, author);
      }
      return;
    default:
      assertNever(undo);
  }
}

/** I1–I3: a record created from a target item, with the assignment the import rule chose. */
async function createFromRemote(env: ApplyEnv, remote: RemoteItem, fields: FieldMap, assign: ImportAssignment): Promise<AnyRecord> {
  const { ctx, author } = env;
  const input = { ...fields, uid: remote.uid };
  switch (assign.kind) {
    case 'contactCategory':
      return createContact(ctx, { ...(input as object), category: assign.category } as Parameters<typeof createContact>[1], author, [env.channel.userId]) as Promise<Contact>;
    case 'attendee':
      return appointments.create(ctx, { ...input, attendees: [{ kind: 'user', userId: assign.userId, role: 'required', status: 'accepted' }] }, author) as Promise<Appointment>;
    case 'responsible':
      return tasks.create(ctx, { ...input, responsibleUserIds: [assign.userId] }, author) as Promise<Task>;
    default:
      return assertNever(assign);
  }
}

interface Effect { direction: Direction; message: string; count: keyof ChannelCounts | null; result?: EventResult }

/** The applier's view: link and history writes go through the batch's bookkeeping. */
type Env = ApplyEnv & { book: Bookkeeping };

async function carryOut(env: Env, action: SyncAction): Promise<Effect | null> {
  const { ctx, connector, channel } = env;
  const col = channel.remoteCollection;
  switch (action.kind) {
    case 'noop':
      return null;
    case 'report':
      return { direction: 'none', message: action.detail, count: 'skipped', result: 'skipped' };
    case 'updateLink':
      env.book.saveLink(linkFrom(action.crm, action.remote, { ref: action.remote.href, version: action.remote.version }, action.remote.fields, action.base));
      return null;
    case 'createRemote': {
      const written = await connector.create(col, action.crm.id, action.crm.uid, action.crm.id, crmPayload(env, action.crm.id, action.fields));
      env.book.saveLink(linkFrom(action.crm, { href: written.ref, uid: action.crm.uid }, written, action.fields, action.crm.fields));
      return { direction: 'to-remote', message: written.existed ? 'copy found from an earlier attempt (M2)' : 'created on the target', count: 'created' };
    }
    case 'updateRemote': {
      const base = env.obs.records.get(action.crm.id) ?? {};
      const remote = { href: action.link.remoteHref, uid: action.link.remoteUid, version: action.ifMatch } as RemoteItem;
      const written = await writeRemote(env, remote, action.crm.id, action.fields, base);
      env.book.saveLink(linkFrom(action.crm, remote, written, action.fields, action.crm.fields));
      return { direction: 'to-remote', message: action.reason === 'crm-changed' ? 'CRM change written to the target' : 'target change overwritten (one-way, D3)', count: 'updated' };
    }
    case 'restoreRemote': {
      // Put back under our deterministic name: the old href is gone or holds a cancelled copy.
      if (env.obs.remoteItems.has(action.link.remoteHref)) {
        const remote = { href: action.link.remoteHref, uid: action.link.remoteUid, version: env.obs.remoteItems.get(action.link.remoteHref)!.version } as RemoteItem;
        const written = await writeRemote(env, remote, action.crm.id, action.fields, env.obs.records.get(action.crm.id) ?? {});
        env.book.saveLink(linkFrom(action.crm, remote, written, action.fields, action.crm.fields));
      } else {
        const written = await connector.create(col, action.crm.id, action.link.remoteUid, action.crm.id, crmPayload(env, action.crm.id, action.fields));
        env.book.saveLink(linkFrom(action.crm, { href: written.ref, uid: action.link.remoteUid }, written, action.fields, action.crm.fields));
      }
      const why = { 'change-beats-delete': 'changed in the CRM after it was deleted on the target: restored (C2)',
        'one-way-put-back': 'deleted on a one-way target: put back (D3)', 'group-member-delete': 'group appointment deleted by a member: restored (G1)',
        'not-own-calendar': "deleted from a colleague's calendar: restored (A4)" }[action.reason];
      return { direction: 'to-remote', message: why, count: 'updated' };
    }
    case 'deleteRemote':
      await connector.delete(col, { ref: action.link.remoteHref, version: action.ifMatch ?? action.link.remoteVersion });
      env.book.deleteLink(action.link.crmId);
      return { direction: 'to-remote', message: `removed from the target (${action.reason})`, count: action.reason === 'window-left' ? null : 'deleted' };
    case 'updateCrm':
    case 'restoreCrm': {
      if (action.kind === 'restoreCrm') await undoLeave(env, action.crm, action.undo);
      let crm = action.kind === 'restoreCrm' ? await reread(env, action.crm.id) : action.crm;
      crm = await patchCrm(env, crm, action.patch);
      // C2: the decision merged the record as it was before the undo. A synced field the undo
      // itself set ('uncancel' puts `status` back to confirmed) must reach the target and the base
      // too, or the copy keeps "cancelled" while the CRM is confirmed again, and no later run
      // notices (found by the engine's property test).
      const undone = action.kind === 'restoreCrm'
        ? Object.fromEntries(Object.entries(crm.fields).filter(([k, v]) => !(k in action.patch) && !valuesEqual(v, action.crm.fields[k])))
        : {};
      const stale = Object.entries(undone).some(([k, v]) => !valuesEqual(v, (action.writeRemote ?? action.remote.fields)[k]));
      const toWrite = stale ? { ...(action.writeRemote ?? action.remote.fields), ...undone } : action.writeRemote;
      await writeAndLink(env, crm, action.remote, toWrite, remoteBase(env, action.remote.href), { ...action.merged, ...undone });
      return { direction: action.writeRemote ? 'both' : 'to-crm', message: action.kind === 'restoreCrm' ? 'changed on the target after leaving the set: restored (C2)' : 'target change taken into the CRM', count: 'updated' };
    }
    case 'createCrm': {
      const record = await createFromRemote(env, action.remote, action.fields, action.assign);
      env.obs.records.set(record.id, record);
      const crm = crmItemOf(channel.unit, record);
      if (action.replacesLink) env.book.deleteLink(action.replacesLink.crmId);
      const written = await writeRemote(env, action.remote, record.id, action.remote.fields, remoteBase(env, action.remote.href)); // M1: stamp our id
      env.book.saveLink(linkFrom(crm, action.remote, written, action.remote.fields, action.fields));
      return { direction: 'to-crm', message: 'created in the CRM from the target', count: 'created' };
    }
    case 'crmDeletionEffect': {
      await applyDeletionEffect(env, action.crm, action.effect);
      if (action.afterwards.kind === 'forgetLink') env.book.deleteLink(action.link.crmId);
      else {
        const crm = await reread(env, action.crm.id);
        const r = action.afterwards.remote;
        env.book.saveLink(linkFrom(crm, r, { ref: r.href, version: r.version }, r.fields, action.link.base));
      }
      return { direction: 'to-crm', message: `deleted on the target: ${action.effect.kind} in the CRM (${action.rules.join(', ')})`, count: 'deleted' };
    }
    case 'conflict': {
      const crm = action.writeCrm ? await patchCrm(env, action.crm, action.writeCrm) : action.crm;
      await writeAndLink(env, crm, action.remote, action.writeRemote, env.obs.records.get(crm.id) ?? {}, action.merge.merged);
      // C1: the item's history keeps both versions.
      const both = JSON.stringify({ policy: action.policy, crm: action.crm.fields, remote: action.remote.fields });
      return { direction: 'both', message: `conflict resolved (${action.policy}): ${both}`, count: 'conflicts', result: 'conflict' };
    }
    case 'relink': {
      const crm = action.writeCrm ? await patchCrm(env, action.crm, action.writeCrm) : action.crm;
      await writeAndLink(env, crm, action.remote, action.writeRemote, remoteBase(env, action.remote.href), action.merged);
      return { direction: action.writeCrm || action.writeRemote ? 'both' : 'none', message: `matched existing item by ${action.matchedBy} (M1)`, count: null };
    }
    case 'forgetLink':
      env.book.deleteLink(action.link.crmId);
      return { direction: 'none', message: action.detail, count: null };
    default:
      return assertNever(action);
  }
}

function subjectOf(action: SyncAction): { crmId: Id | null; href: string | null } {
  switch (action.kind) {
    case 'noop': return { crmId: null, href: null };
    case 'report': return { crmId: action.subject.crmId, href: action.subject.remoteHref };
    case 'createRemote': return { crmId: action.crm.id, href: null };
    case 'createCrm': return { crmId: null, href: action.remote.href };
    case 'relink': return { crmId: action.crm.id, href: action.remote.href };
    default: return { crmId: action.link.crmId, href: action.link.remoteHref };
  }
}

/** Is this failure about the one item (L5: skip it) rather than the run (L4: fail the batch)? */
function itemFailure(e: unknown): string | null {
  if (e instanceof RemoteError) {
    if (e.kind === 'rejected-item') return `the target rejected the item: ${e.message}`;
    if (e.kind === 'precondition') return 'changed on the target meanwhile; retried at the next run';
    if (e.kind === 'not-found') return 'gone from the target meanwhile; handled at the next run';
    return null;
  }
  if (e instanceof CrmError && (e.code === 'invalid' || e.code === 'conflict' || e.code === 'not_found')) return `the CRM refused the change: ${e.message}`;
  return null;
}

/**
 * Applies actions in order until `limit` writing actions are done (L1); everything after that is
 * left for the next batch, which re-observes and finds the finished items unchanged.
 */
export async function applyActions(input: ApplyEnv, actions: readonly PlannedAction[], limit: number): Promise<ApplyOutcome> {
  const env: Env = { ...input, book: new Bookkeeping(input.ctx, input.channel.id) };
  try {
    return await applyAll(env, actions, limit);
  } finally {
    await env.book.flush(); // also after a failed batch: what was done stays linked
  }
}

async function applyAll(env: Env, actions: readonly PlannedAction[], limit: number): Promise<ApplyOutcome> {
  const counts: ChannelCounts = { created: 0, updated: 0, deleted: 0, skipped: 0, conflicts: 0 };
  let writes = 0;
  let handled = 0;
  let warnings = 0;
  for (const { action } of actions) {
    await env.book.maybeFlush();
    if (writesData(action)) {
      if (writes >= limit) break;
      writes++;
    }
    handled++;
    const subject = subjectOf(action);
    try {
      // No transaction spans a remote request: on SQLite it would hold the one connection (and so
      // every DAV and API request) for the length of an HTTP call. Each CRM write is its own
      // transaction; a crash between it and the link leaves the item "changed" on one side, which
      // the next run reconciles, and remote writes are idempotent (If-Match / If-None-Match, M2).
      // Links and history are written in groups (bookkeeping.ts), safe for the same reasons.
      const effect = await carryOut(env, action);
      if (!effect) continue;
      if (effect.count) counts[effect.count]++;
      if (effect.result === 'skipped') warnings++;
      env.book.event({
        channelId: env.channel.id, runId: env.runId, crmId: subject.crmId, remoteHref: subject.href,
        direction: effect.direction, action: action.kind, result: effect.result ?? 'ok', message: effect.message,
      });
    } catch (e) {
      const reason = itemFailure(e);
      if (reason === null) throw e;
      warnings++;
      counts.skipped++;
      env.book.event({
        channelId: env.channel.id, runId: env.runId, crmId: subject.crmId, remoteHref: subject.href,
        direction: 'none', action: action.kind, result: 'failed', message: reason,
      });
    }
  }
  return { handled, remaining: actions.length - handled, counts, warnings };
}
