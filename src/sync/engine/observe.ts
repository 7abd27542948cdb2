// Reading both sides for one batch of a channel (issue 4 "Engine"): only what changed since the
// channel's cursors — the CRM side from the user's per-user set change log, the remote side from
// the connector's delta — so a run's cost grows with the changes, not with the channel.
import type { Appointment, Contact, Id, Task, Unit } from '../../domain/records.js';
import { ExpiredRevisionError } from '../../domain/errors.js';
import type { CrmContext } from '../../crm/context.js';
import { chunks } from '../../crm/context.js';
import { contacts, tickedUserIds } from '../../crm/contacts.js';
import { appointments } from '../../crm/appointments.js';
import { tasks } from '../../crm/tasks.js';
import { changesSince, ensureCollection, listMembers } from '../../crm/syncSets.js';
import { RemoteError, type Connector, type RemoteItem as ConnectorItem, type RemoteRef } from '../../connectors/types.js';
import { hashCanonical, hashFields, type FieldValue } from '../model/fields.js';
import {
  classifyCrm, classifyRemote, type CrmItem, type CrmLeaveReasonWithRecord, type RemoteDeletionEvidence,
  type RemoteItem, type RemoteObservation, type SyncCell, type SyncLink,
} from '../model/state.js';
import type { RecordFacts } from '../decide/context.js';
import type { Channel, RunCheckpoint } from './channels.js';
import { allLinkHeads, linkHeadsFor, linksFor, unlinkedMembers, type LinkHead } from './links.js';
import { lastRunFailures, triedInCurrentRun } from './history.js';
import { projectCanonical, withKnownCategory } from './projection.js';

export type AnyRecord = Contact | Appointment | Task;

export function storeFor(unit: Unit) {
  switch (unit) {
    case 'contacts': return contacts;
    case 'calendar': return appointments;
    case 'tasks': return tasks;
  }
}

export interface Observation {
  cells: SyncCell[];
  /** The CRM collection's revision this observation reflects: the channel's next CRM cursor. */
  crmRevision: number;
  /** The connector's cursor after this observation: the channel's next remote cursor. */
  remoteCursor: string | null;
  /** Full CRM records of the cells, for writing copies and patches. */
  records: Map<Id, AnyRecord>;
  /** Connector items (with their raw originals) by href. */
  remoteItems: Map<string, ConnectorItem>;
  /** Unreadable remote items (L5: skipped with the reason). */
  unreadable: { href: string; reason: string }[];
  /** Linked items whose content is unchanged but whose version moved (ETag churn). */
  versionMoves: { crmId: Id; version: string }[];
  factsOf: (crmId: Id) => RecordFacts | undefined;
  /** First sync or after a reset (M1 with every key tier). */
  initial: boolean;
  /** New items left for the next batches (L1): the run is not done while any remain (a lower bound). */
  deferred: number;
  /** Where this batch started: the run's checkpoint, or the channel's cursors for a run's first batch. */
  start: RunCheckpoint;
  /** With new CRM items deferred, the key of the last one taken (RunCheckpoint.crmAfter); else null. */
  crmAfter: string | null;
  /** New remote items deferred: the remote cursor cannot move past them until they are taken. */
  remoteDeferred: number;
}

/** A continuing run goes on from its checkpoint; any other starts from the channel's cursors. */
export function startingPoint(channel: Channel): RunCheckpoint {
  const cp = channel.status === 'continuing' ? channel.runCheckpoint : null;
  return cp ?? { initial: channel.crmRevision === null, crmRevision: channel.crmRevision, crmAfter: null, takenAbove: false, remoteCursor: channel.remoteCursor };
}

/** Current versions of records (a light read: no row is decoded). */
async function recordVersions(ctx: CrmContext, unit: Unit, ids: readonly Id[]): Promise<Map<Id, number>> {
  const table = unit === 'contacts' ? 'contacts' : unit === 'calendar' ? 'appointments' : 'tasks';
  const out = new Map<Id, number>();
  for (const part of chunks([...ids], 500)) {
    const rows = await ctx.db.selectFrom(table).select(['id', 'version']).where('id', 'in', part).execute();
    for (const r of rows) out.set(r.id, Number(r.version));
  }
  return out;
}

export function crmItemOf(unit: Unit, record: AnyRecord): CrmItem {
  const { fields, canonical } = projectCanonical(unit, record);
  return { id: record.id, uid: record.uid, version: record.version, fields, hash: hashCanonical(canonical), canonical };
}

/** `knownCategory`: the contact category both sides last agreed on (see withKnownCategory). */
export function remoteItemOf(item: ConnectorItem, knownCategory: FieldValue | undefined = undefined): RemoteItem {
  const projected = projectCanonical(item.payload.unit, item.payload.record);
  const fields = item.payload.unit === 'contacts' ? withKnownCategory(projected.fields, knownCategory) : projected.fields;
  const hash = fields === projected.fields ? hashCanonical(projected.canonical) : hashFields(fields);
  return { href: item.ref, uid: item.uid ?? item.ref, version: item.version, fields, hash, crmId: item.crmId };
}

async function leaveReason(ctx: CrmContext, channel: Channel, record: AnyRecord): Promise<CrmLeaveReasonWithRecord> {
  switch (channel.unit) {
    case 'contacts': {
      const c = record as Contact;
      if (c.archived) return 'archived';
      return (await tickedUserIds(ctx, c.id)).includes(channel.userId) ? 'user-removed' : 'unticked';
    }
    case 'calendar': {
      const a = record as Appointment;
      if (a.status === 'cancelled') return 'cancelled';
      const groups = new Set((await ctx.db.selectFrom('group_members').select('group_id').where('user_id', '=', channel.userId).execute()).map((g) => g.group_id));
      const participates = a.organizerUserId === channel.userId || a.attendees.some((x) =>
        (x.kind === 'user' && x.userId === channel.userId) || (x.kind === 'group' && groups.has(x.groupId)));
      return participates ? 'window-left' : 'user-removed';
    }
    case 'tasks':
      return 'user-removed';
  }
}

function factsFor(unit: Unit, userId: Id, record: AnyRecord | undefined, groupIds: ReadonlySet<Id>): RecordFacts | undefined {
  if (!record) return undefined;
  switch (unit) {
    case 'contacts':
      return { unit: 'contacts' };
    case 'calendar': {
      const a = record as Appointment;
      const direct = a.organizerUserId === userId || a.attendees.some((x) => x.kind === 'user' && x.userId === userId);
      const viaGroup = a.attendees.some((x) => x.kind === 'group' && groupIds.has(x.groupId));
      const others = a.attendees.filter((x) => !(x.kind === 'user' && x.userId === userId) && x.kind !== 'resource').length;
      return { unit: 'calendar', attendance: direct ? 'direct' : viaGroup ? 'group' : 'colleague-calendar', otherAttendees: others };
    }
    case 'tasks':
      return { unit: 'tasks', otherResponsible: (record as Task).responsibleUserIds.filter((u) => u !== userId).length };
  }
}

/** The CRM side: which items changed in the user's set since `since` (null: list the set). */
async function crmDelta(ctx: CrmContext, channel: Channel, collectionId: string, since: number | null): Promise<{ ids: Set<Id>; revision: number; full: boolean }> {
  if (since !== null) {
    try {
      const d = await changesSince(ctx, collectionId, since);
      return { ids: new Set(d.changes.map((c) => c.itemId)), revision: d.revision, full: false };
    } catch (e) {
      if (!(e instanceof ExpiredRevisionError)) throw e;
      // The change log was cut past our cursor: compare everything once (no deletion is inferred).
    }
  }
  const c = await ensureCollection(ctx, channel.userId, channel.unit);
  const members = await listMembers(ctx, collectionId);
  return { ids: new Set(members.map((m) => m.itemId)), revision: c.revision, full: true };
}

async function remoteDelta(connector: Connector, channel: Channel, since: string | null): Promise<{ changed: RemoteRef[]; deleted: Set<string>; cursor: string | null; complete: boolean }> {
  let set;
  let cursor = since;
  try {
    set = await connector.changes(channel.remoteCollection, channel.unit, cursor);
  } catch (e) {
    if (!(e instanceof RemoteError) || e.kind !== 'cursor-invalid') throw e;
    cursor = null;
    set = await connector.changes(channel.remoteCollection, channel.unit, null); // server forgot our token: list afresh
  }
  // A delta from no cursor (first run, or afresh after a forgotten token) lists everything: it is
  // complete, so linked copies missing from it are looked up one by one (X6: only a 404 of the item
  // itself counts). Judging it by the channel's old cursor instead took it for a partial delta, and
  // a copy deleted while the token was forgotten stayed linked for ever (property test finding).
  if (set.kind === 'delta') return { changed: set.changed, deleted: new Set(set.deleted), cursor: set.cursor, complete: cursor === null };
  return { changed: set.items, deleted: new Set(), cursor: set.cursor, complete: true };
}

export async function observe(ctx: CrmContext, connector: Connector, channel: Channel): Promise<Observation> {
  const store = storeFor(channel.unit);
  const start = startingPoint(channel);
  const collection = await ensureCollection(ctx, channel.userId, channel.unit);
  const crm = await crmDelta(ctx, channel, collection.id, start.crmRevision);
  const remote = await remoteDelta(connector, channel, start.remoteCursor);
  // L5: what the last run skipped is looked at again, though the cursors moved past it.
  const retry = await lastRunFailures(ctx, channel.id);
  const members = crm.full ? new Set(crm.ids) : null; // a full CRM listing is the set itself
  for (const id of retry.crmIds) crm.ids.add(id);
  const retryHrefs = retry.hrefs.filter((h) => !remote.deleted.has(h));

  // Links of everything involved; after a full comparison, all of them (first their heads only:
  // most are quiet, see below, and their base snapshots need not be decoded).
  const fullComparison = crm.full || remote.complete;
  const heads: LinkHead[] = fullComparison
    ? await allLinkHeads(ctx, channel.id)
    : await linkHeadsFor(ctx, channel.id, [...crm.ids], [...remote.changed.map((r) => r.ref), ...remote.deleted, ...retryHrefs]);
  const linkByHref = new Map(heads.map((l) => [l.remoteHref, l]));
  const listed = new Map(remote.changed.map((r) => [r.ref, r.version]));

  // The remote side in play: listed new or with a moved version, explicitly deleted, missing from a
  // complete listing, or retried (L5).
  const remoteInPlay = new Set<string>([...retryHrefs, ...remote.deleted]);
  for (const r of remote.changed) {
    const link = linkByHref.get(r.ref);
    if (!link || link.remoteVersion !== r.version) remoteInPlay.add(r.ref);
  }
  if (remote.complete) for (const l of heads) if (!listed.has(l.remoteHref)) remoteInPlay.add(l.remoteHref);

  // A linked item whose record is at the link's version and still in the set, and whose copy is
  // not in play, is unchanged on both sides: its cell could only be a noop, so it is left out
  // before anything is read for it. Without this every batch of a run (L1) re-read, re-fetched
  // and re-planned every item the earlier batches had finished: O(N²/batch) for a first sync.
  // After a delta of the CRM set, a linked record outside the delta has not changed since the
  // cursor, and every change before it was handled (or failed, and is retried, L5): only linked
  // items in the delta need their membership and version checked. So the echo of a batch's own
  // remote writes, listed in the next batch's remote delta, costs no CRM read.
  const retryCrm = new Set(retry.crmIds);
  const touched = (l: LinkHead) => remoteInPlay.has(l.remoteHref) || retryCrm.has(l.crmId);
  const candidates = crm.full ? heads : heads.filter((l) => crm.ids.has(l.crmId) || touched(l));
  const inSet = new Set<string>(members ?? []);
  for (const part of members ? [] : chunks([...new Set([...crm.ids, ...candidates.map((l) => l.crmId)])], 500)) {
    const rows = await ctx.db.selectFrom('collection_members').select('item_id').where('collection_id', '=', collection.id).where('item_id', 'in', part).execute();
    for (const r of rows) inSet.add(r.item_id);
  }
  const maybeQuiet = candidates.filter((l) => inSet.has(l.crmId) && !touched(l));
  const versions = await recordVersions(ctx, channel.unit, maybeQuiet.map((l) => l.crmId));
  const quiet = new Set(maybeQuiet.filter((l) => versions.get(l.crmId) === l.crmVersion).map((l) => l.crmId));
  const activeIds = candidates.filter((l) => !quiet.has(l.crmId)).map((l) => l.crmId);
  const active: SyncLink[] = activeIds.length > 0 ? await linksFor(ctx, channel.id, activeIds, []) : [];

  // L1: new items on one side with nothing new on the other to match them against (M1) are taken
  // batch by batch, instead of all of them being read and planned again in every batch.
  // Each new item is tried once per run: one already handled by an earlier batch of this run and
  // still unlinked (rejected, reported) waits for the next run (L5 retry, see lastRunFailures).
  const continuing = channel.status === 'continuing';
  const allLinked = new Set(heads.map((l) => l.crmId));
  let newOnCrm = [...crm.ids].filter((id) => inSet.has(id) && !allLinked.has(id));
  const newOnRemote = [...remoteInPlay].filter((h) => !linkByHref.has(h) && !remote.deleted.has(h));
  const triedHrefs = continuing ? await triedInCurrentRun(ctx, channel.id, { hrefs: newOnRemote }) : new Set<string>();
  const later = new Set<string>(newOnRemote.filter((h) => triedHrefs.has(h)));
  const untried = newOnRemote.filter((h) => !later.has(h));
  // New CRM items an earlier batch of this run deferred: the checkpoint's revision is past them,
  // so they are read from the set (unlinked members above the key). With new remote items to
  // match them against (M1), all of them; else a batch's worth. `unread` is then a lower bound
  // (1 when more follow): `deferred` only has to say whether the run goes on, and the progress
  // total keeps the first batch's count (run.ts).
  let unread = 0;
  let readUpTo: string | null = null;
  const toCheck = continuing ? [...newOnCrm] : [];
  if (!crm.full && start.crmAfter !== null) {
    const pending = await unlinkedMembers(ctx, channel.id, collection.id, start.crmAfter, untried.length > 0 ? undefined : channel.batchSize);
    const have = new Set(newOnCrm);
    for (const id of pending.ids) {
      inSet.add(id);
      if (have.has(id)) continue;
      newOnCrm.push(id);
      if (start.takenAbove) toCheck.push(id);
    }
    unread = pending.more ? 1 : 0;
    readUpTo = pending.ids.at(-1) ?? null;
  }
  const triedCrm = await triedInCurrentRun(ctx, channel.id, { crmIds: toCheck });
  if (triedCrm.size > 0) newOnCrm = newOnCrm.filter((id) => !triedCrm.has(id));
  let deferred = 0;
  let crmAfter: string | null = null;
  let remoteDeferred = 0;
  if (untried.length === 0 && (newOnCrm.length > channel.batchSize || unread > 0)) {
    newOnCrm.sort();
    deferred = Math.max(0, newOnCrm.length - channel.batchSize) + unread;
    const cut = newOnCrm.length > channel.batchSize;
    newOnCrm = newOnCrm.slice(0, channel.batchSize);
    // Everything not taken sorts after the last one taken (and after all that was read, when
    // nothing read was cut), so the next batch finds it above this key.
    const lastTaken = newOnCrm.at(-1) ?? '';
    crmAfter = !cut && readUpTo !== null && readUpTo > lastTaken ? readUpTo : lastTaken;
  } else if (newOnCrm.length === 0 && untried.length > channel.batchSize) {
    untried.sort();
    deferred = remoteDeferred = untried.length - channel.batchSize;
    for (const h of untried.slice(channel.batchSize)) later.add(h);
  }

  // Remote content to read: listed items that are new or whose version moved, plus the copies of
  // involved links (their raw original is needed to update them without losing properties).
  const toFetch = new Set<string>();
  for (const href of remoteInPlay) if (!remote.deleted.has(href) && !later.has(href)) toFetch.add(href);
  for (const l of active) {
    if (remote.deleted.has(l.remoteHref)) continue;
    if (crm.ids.has(l.crmId)) toFetch.add(l.remoteHref);
  }
  const remoteItems = new Map<string, ConnectorItem>();
  const unreadable: { href: string; reason: string }[] = [];
  const ignored = new Set<string>();
  for (const part of chunks([...toFetch], 200)) {
    const got = await connector.fetch(channel.remoteCollection, channel.unit, part);
    for (const it of got.items) remoteItems.set(it.ref, it);
    for (const s of got.skipped) {
      ignored.add(s.ref);
      if (!s.otherUnit) unreadable.push({ href: s.ref, reason: s.reason });
    }
  }

  // CRM records of everything involved.
  const crmIds = new Set([...newOnCrm, ...active.map((l) => l.crmId)]);
  const records = new Map<Id, AnyRecord>();
  for (const r of await store.getMany(ctx, [...crmIds])) records.set(r.id, r as AnyRecord);

  const cells: SyncCell[] = [];
  const versionMoves: { crmId: Id; version: string }[] = [];
  const linkedCrm = new Set<Id>();
  for (const link of active) {
    linkedCrm.add(link.crmId);
    const record = records.get(link.crmId);
    const crmObs = record
      ? { present: true as const, item: crmItemOf(channel.unit, record), leaving: inSet.has(record.id) ? null : await leaveReason(ctx, channel, record) }
      : { present: false as const };
    const fetched = remoteItems.get(link.remoteHref);
    let remoteObs: RemoteObservation;
    if (remote.deleted.has(link.remoteHref)) remoteObs = { kind: 'deleted', evidence: 'sync-collection-404' satisfies RemoteDeletionEvidence };
    else if (fetched) remoteObs = { kind: 'listed', version: fetched.version, item: remoteItemOf(fetched, link.base?.category ?? (record as Contact | undefined)?.category) };
    else if (ignored.has(link.remoteHref)) remoteObs = { kind: 'not-listed' };
    else if (toFetch.has(link.remoteHref)) remoteObs = { kind: 'deleted', evidence: 'not-found' }; // asked for it: 404
    else remoteObs = { kind: 'listed', version: link.remoteVersion, item: null }; // not in the delta: unchanged
    const remoteState = classifyRemote(link, remoteObs);
    if (remoteState.state === 'unchanged' && remoteState.version !== link.remoteVersion) versionMoves.push({ crmId: link.crmId, version: remoteState.version });
    cells.push({ kind: 'linked', link, crm: classifyCrm(link, crmObs), remote: remoteState });
  }
  for (const id of newOnCrm) {
    const record = records.get(id);
    if (record) cells.push({ kind: 'crm-only', crm: crmItemOf(channel.unit, record) });
  }
  for (const [href, item] of remoteItems) {
    if (!linkByHref.has(href)) cells.push({ kind: 'remote-only', remote: remoteItemOf(item, item.crmId ? (records.get(item.crmId) as Contact | undefined)?.category : undefined) });
  }

  const groupIds = new Set((await ctx.db.selectFrom('group_members').select('group_id').where('user_id', '=', channel.userId).execute()).map((g) => g.group_id));
  return {
    cells, crmRevision: crm.revision, remoteCursor: remote.cursor, records, remoteItems, unreadable, versionMoves, deferred,
    start, crmAfter, remoteDeferred,
    factsOf: (id) => factsFor(channel.unit, channel.userId, records.get(id), groupIds),
    // The whole first run (or the whole run after a reset), every batch of it: the channel's CRM
    // cursor is only set when a run completes, and the checkpoint carries the flag between batches.
    // Judging by "no links yet" made the second batch of a first sync match by the strong keys
    // only, so items the first batch had matched by e-mail/name but not yet relinked (L1 limit)
    // were created on both sides: duplicates (M1; regression test).
    initial: start.initial,
  };
}
