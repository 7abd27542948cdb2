// In-memory CRM, target and link store, plus an applier for plans: the reference semantics of the
// SyncAction union (decide/actions.ts), used by the model-based tests and usable by any test that
// needs a fake pair of sides. Deterministic: ids and ETags come from counters.
//
// The target behaves like a CalDAV/CardDAV collection: If-Match / If-None-Match preconditions (412),
// new ETags on every write, tombstones of deleted hrefs for the next sync-collection report, an
// optional length limit per field that it enforces by cutting, and fields it cannot hold (dropped).
import type { Id } from '../../domain/records.js';
import type { CrmDeletionEffect, CrmUndo, SyncAction } from '../decide/actions.js';
import type { ImportAssignment } from '../decide/context.js';
import type { FieldLimits } from '../decide/limits.js';
import { applyFieldLimits } from '../decide/limits.js';
import type { Plan } from '../decide/plan.js';
import { hashFields, type FieldMap, type FieldValue } from './fields.js';
import {
  assertNever,
  buildCells,
  type CrmItem,
  type CrmLeaveReasonWithRecord,
  type RemoteDeletionEvidence,
  type RemoteItem,
  type SyncCell,
  type SyncLink,
} from './state.js';

export interface MemoryCrmRecord {
  id: Id;
  uid: string;
  version: number;
  fields: FieldMap;
  /** Why the record is outside the user's set (null: in the set). */
  leaving: CrmLeaveReasonWithRecord | null;
  /** How the record entered through an import (I1–I3), if it did. */
  importedWith: ImportAssignment | null;
}

export interface CrmJournalEntry {
  crmId: Id;
  /** 'user' for edits made by people, otherwise the sync action kind (X5 journal). */
  by: 'user' | SyncAction['kind'];
  before: MemoryCrmRecord | null;
  after: MemoryCrmRecord;
  /** C1: both versions of a conflict. */
  conflict?: { crm: FieldMap; remote: FieldMap };
}

export class MemoryCrm {
  readonly records = new Map<Id, MemoryCrmRecord>();
  readonly journal: CrmJournalEntry[] = [];
  private nextId = 1;

  create(fields: FieldMap, options: { uid?: string; by?: CrmJournalEntry['by']; importedWith?: ImportAssignment } = {}): MemoryCrmRecord {
    const id = `crm-${this.nextId++}`;
    const rec: MemoryCrmRecord = {
      id, uid: options.uid ?? id, version: 1, fields: { ...fields }, leaving: null,
      importedWith: options.importedWith ?? null,
    };
    this.records.set(id, rec);
    this.journal.push({ crmId: id, by: options.by ?? 'user', before: null, after: rec });
    return rec;
  }

  /** A write with optimistic concurrency: fails (returns null) when the version moved on. */
  write(
    id: Id,
    expectVersion: number | null,
    change: { patch?: FieldMap; leaving?: CrmLeaveReasonWithRecord | null },
    by: CrmJournalEntry['by'],
    conflict?: CrmJournalEntry['conflict'],
  ): MemoryCrmRecord | null {
    const before = this.records.get(id);
    if (!before || (expectVersion !== null && before.version !== expectVersion)) return null;
    const after: MemoryCrmRecord = {
      ...before,
      version: before.version + 1,
      fields: { ...before.fields, ...(change.patch ?? {}) },
      leaving: change.leaving === undefined ? before.leaving : change.leaving,
    };
    this.records.set(id, after);
    this.journal.push({ crmId: id, by, before, after, ...(conflict ? { conflict } : {}) });
    return after;
  }

  /** Journals an event on a record without changing it (e.g. a conflict resolved in favour of the CRM). */
  note(id: Id, by: CrmJournalEntry['by'], conflict?: CrmJournalEntry['conflict']): MemoryCrmRecord | null {
    const rec = this.records.get(id);
    if (!rec) return null;
    this.journal.push({ crmId: id, by, before: rec, after: rec, ...(conflict ? { conflict } : {}) });
    return rec;
  }

  /** Only people (or an external CRM) remove records; sync has no way to (X5). */
  hardDeleteByUser(id: Id): void {
    this.records.delete(id);
  }

  item(id: Id): CrmItem | null {
    const r = this.records.get(id);
    return r ? { id: r.id, uid: r.uid, version: r.version, fields: r.fields, hash: hashFields(r.fields) } : null;
  }
}

export interface MemoryRemoteItem {
  href: string;
  uid: string;
  version: string;
  fields: FieldMap;
  crmId: Id | null;
}

export type PutResult = { ok: true; item: MemoryRemoteItem } | { ok: false; status: 404 | 412 };

export class MemoryRemote {
  readonly items = new Map<string, MemoryRemoteItem>();
  /** Hrefs deleted since the last `takeTombstones` (what sync-collection would report). */
  private tombstones = new Map<string, RemoteDeletionEvidence>();
  private nextEtag = 1;
  private nextHref = 1;

  constructor(readonly rules: { limits: FieldLimits; cannotHold: readonly string[] } = { limits: {}, cannotHold: [] }) {}

  private store(fields: FieldMap): FieldMap {
    const out: Record<string, FieldValue> = {};
    for (const [k, v] of Object.entries(applyFieldLimits(fields, this.rules.limits))) {
      if (!this.rules.cannotHold.includes(k)) out[k] = v;
    }
    return out;
  }

  private etag(): string {
    return `"e${this.nextEtag++}"`;
  }

  put(
    href: string,
    content: { uid: string; fields: FieldMap; crmId: Id | null },
    cond: { ifMatch?: string; ifNoneMatch?: true } = {},
  ): PutResult {
    const cur = this.items.get(href);
    if (cond.ifNoneMatch && cur) return { ok: false, status: 412 };
    if (cond.ifMatch !== undefined && (!cur || cur.version !== cond.ifMatch)) return { ok: false, status: cur ? 412 : 404 };
    const item: MemoryRemoteItem = { href, uid: content.uid, version: this.etag(), fields: this.store(content.fields), crmId: content.crmId };
    this.items.set(href, item);
    this.tombstones.delete(href);
    return { ok: true, item };
  }

  /** DELETE; 404 counts as done. */
  delete(href: string, ifMatch: string | null): { ok: true } | { ok: false; status: 412 } {
    const cur = this.items.get(href);
    if (!cur) return { ok: true };
    if (ifMatch !== null && cur.version !== ifMatch) return { ok: false, status: 412 };
    this.items.delete(href);
    this.tombstones.set(href, 'sync-collection-404');
    return { ok: true };
  }

  /** A user on a device creates an item. */
  createByUser(fields: FieldMap): MemoryRemoteItem {
    const href = `user-${this.nextHref++}`;
    const r = this.put(href, { uid: `uid-${href}`, fields, crmId: null });
    if (!r.ok) throw new Error('unreachable');
    return r.item;
  }

  /** A user edits an item (a full replacement of the fields given). */
  editByUser(href: string, patch: FieldMap): void {
    const cur = this.items.get(href);
    if (cur) this.put(href, { uid: cur.uid, fields: { ...cur.fields, ...patch }, crmId: cur.crmId });
  }

  /** ETag churn: a new version with the same content (servers re-serialising, Exchange change keys). */
  churn(href: string): void {
    const cur = this.items.get(href);
    if (cur) this.items.set(href, { ...cur, version: this.etag() });
  }

  takeTombstones(): Map<string, RemoteDeletionEvidence> {
    const t = this.tombstones;
    this.tombstones = new Map();
    return t;
  }

  item(href: string): RemoteItem | null {
    const r = this.items.get(href);
    return r ? toRemoteItem(r) : null;
  }
}

function toRemoteItem(r: MemoryRemoteItem): RemoteItem {
  return { href: r.href, uid: r.uid, version: r.version, fields: r.fields, hash: hashFields(r.fields), crmId: r.crmId };
}

/** Links by CRM id; refuses a second link to the same target item. */
export class MemoryLinks {
  readonly byCrmId = new Map<Id, SyncLink>();

  set(link: SyncLink): void {
    for (const other of this.byCrmId.values()) {
      if (other.remoteHref === link.remoteHref && other.crmId !== link.crmId) {
        throw new Error(`duplicate link: ${link.remoteHref} already linked to ${other.crmId}`);
      }
    }
    this.byCrmId.set(link.crmId, link);
  }

  delete(crmId: Id): void {
    this.byCrmId.delete(crmId);
  }

  all(): SyncLink[] {
    return [...this.byCrmId.values()];
  }
}

export interface MemoryWorld {
  crm: MemoryCrm;
  remote: MemoryRemote;
  links: MemoryLinks;
}

/**
 * Reads both sides into cells. `notListed`: hrefs the (windowed) listing leaves out this time (X6).
 * Tombstones are consumed, like a sync token moving on.
 */
export function observeWorld(world: MemoryWorld, options: { notListed?: ReadonlySet<string> } = {}): SyncCell[] {
  const notListed = options.notListed ?? new Set<string>();
  const linked = new Set(world.links.all().map((l) => l.crmId));
  const crm: { item: CrmItem; leaving: CrmLeaveReasonWithRecord | null }[] = [];
  for (const r of world.crm.records.values()) {
    if (r.leaving === null || linked.has(r.id)) {
      crm.push({ item: { id: r.id, uid: r.uid, version: r.version, fields: r.fields, hash: hashFields(r.fields) }, leaving: r.leaving });
    }
  }
  const remote = [...world.remote.items.values()].filter((r) => !notListed.has(r.href)).map(toRemoteItem);
  return buildCells({
    links: world.links.all(),
    crm,
    remote,
    remoteDeleted: world.remote.takeTombstones(),
  });
}

export interface ApplyResult {
  applied: number;
  failed: { action: SyncAction; status: number | string }[];
}

export interface ApplyOptions {
  /** Simulates a crash between the target's PUT and storing the link (M2). */
  loseLinkAfterCreate?: (crmId: Id) => boolean;
}

function leavingFor(effect: CrmDeletionEffect): CrmLeaveReasonWithRecord {
  switch (effect.kind) {
    case 'removeSyncTick':
      return 'unticked';
    case 'archiveContact':
      return 'archived';
    case 'cancelAppointment':
      return 'cancelled';
    case 'removeAttendee':
    case 'removeResponsible':
      return 'user-removed';
    default:
      return assertNever(effect);
  }
}

function undoLeave(_undo: CrmUndo): null {
  return null; // every undo brings the record back into the set
}

/** Applies a ready plan to the in-memory world. A paused plan applies nothing. */
export function applyPlanInMemory(plan: Plan, world: MemoryWorld, options: ApplyOptions = {}): ApplyResult {
  const result: ApplyResult = { applied: 0, failed: [] };
  if (plan.status !== 'ready') return result;
  const { crm, remote, links } = world;

  const linkOf = (rec: MemoryCrmRecord, item: MemoryRemoteItem, base: FieldMap | null): SyncLink => ({
    crmId: rec.id, remoteHref: item.href, remoteUid: item.uid, remoteVersion: item.version, crmVersion: rec.version,
    crmHash: hashFields(rec.fields), remoteHash: hashFields(item.fields), base,
  });
  const fail = (action: SyncAction, status: number | string) => {
    result.failed.push({ action, status });
  };
  /** Writes `fields` over the copy of `rec` at `href` (stamping our id); returns the stored item or null. */
  const writeRemote = (action: SyncAction, rec: MemoryCrmRecord, href: string, uid: string, fields: FieldMap, ifMatch?: string) => {
    const r = remote.put(href, { uid, fields, crmId: rec.id }, ifMatch === undefined ? {} : { ifMatch });
    if (!r.ok) {
      fail(action, r.status);
      return null;
    }
    return r.item;
  };

  /** Writes `fields` over the remote copy when given (If-Match its listed version), then links; false on failure. */
  const relinkAfter = (action: SyncAction, rec: MemoryCrmRecord, r: RemoteItem, fields: FieldMap | null, base: FieldMap | null): boolean => {
    const item = fields
      ? writeRemote(action, rec, r.href, r.uid, fields, r.version)
      : remote.items.get(r.href);
    if (!item) return false;
    links.set(linkOf(rec, item, base));
    return true;
  };

  for (const { action } of plan.actions) {
    switch (action.kind) {
      case 'noop':
      case 'report':
        continue;
      case 'updateLink': {
        const rec = crm.records.get(action.crm.id);
        const item = remote.items.get(action.remote.href);
        if (!rec || !item) {
          fail(action, 'gone');
          continue;
        }
        links.set(linkOf(rec, item, action.base));
        break;
      }
      case 'createRemote': {
        const rec = crm.records.get(action.crm.id);
        if (!rec) {
          fail(action, 'gone');
          continue;
        }
        const r = remote.put(`${rec.uid}.ics`, { uid: rec.uid, fields: action.fields, crmId: rec.id }, { ifNoneMatch: true });
        if (!r.ok) {
          fail(action, r.status);
          continue;
        }
        if (!options.loseLinkAfterCreate?.(rec.id)) links.set(linkOf(rec, r.item, action.crm.fields));
        break;
      }
      case 'updateRemote':
      case 'restoreRemote': {
        const rec = crm.records.get(action.crm.id);
        if (!rec) {
          fail(action, 'gone');
          continue;
        }
        const ifMatch = action.kind === 'updateRemote' ? action.ifMatch : undefined;
        const item = writeRemote(action, rec, action.link.remoteHref, action.link.remoteUid, action.fields, ifMatch);
        if (item) links.set(linkOf(rec, item, action.crm.fields));
        else continue;
        break;
      }
      case 'deleteRemote': {
        const r = remote.delete(action.link.remoteHref, action.ifMatch);
        if (!r.ok) {
          fail(action, r.status);
          continue;
        }
        links.delete(action.link.crmId);
        break;
      }
      case 'updateCrm':
      case 'restoreCrm': {
        const leaving = action.kind === 'restoreCrm' ? { leaving: undoLeave(action.undo) } : {};
        const rec = crm.write(action.crm.id, action.crm.version, { patch: action.patch, ...leaving }, action.kind);
        if (!rec) {
          fail(action, 412);
          continue;
        }
        if (!relinkAfter(action, rec, action.remote, action.writeRemote, action.merged)) continue;
        break;
      }
      case 'createCrm': {
        const rec = crm.create(action.fields, { uid: action.remote.uid, by: 'createCrm', importedWith: action.assign });
        if (action.replacesLink) links.delete(action.replacesLink.crmId);
        // M1: stamp our id into the item.
        const item = writeRemote(action, rec, action.remote.href, action.remote.uid, action.remote.fields, action.remote.version);
        if (item) links.set(linkOf(rec, item, action.fields));
        else continue;
        break;
      }
      case 'crmDeletionEffect': {
        const rec = crm.write(action.crm.id, action.crm.version, { leaving: leavingFor(action.effect) }, action.kind);
        if (!rec) {
          fail(action, 412);
          continue;
        }
        if (action.afterwards.kind === 'forgetLink') links.delete(rec.id);
        else {
          const item = remote.items.get(action.afterwards.remote.href);
          if (item) links.set(linkOf(rec, item, action.link.base));
        }
        break;
      }
      case 'conflict': {
        const versions = { crm: action.crm.fields, remote: action.remote.fields }; // C1: both versions journaled
        const rec = action.writeCrm
          ? crm.write(action.crm.id, action.crm.version, { patch: action.writeCrm }, 'conflict', versions)
          : crm.note(action.crm.id, 'conflict', versions);
        if (!rec) {
          fail(action, 412);
          continue;
        }
        if (!relinkAfter(action, rec, action.remote, action.writeRemote, action.merge.merged)) continue;
        break;
      }
      case 'relink': {
        let rec: MemoryCrmRecord | null | undefined = crm.records.get(action.crm.id);
        if (rec && action.writeCrm) rec = crm.write(rec.id, action.crm.version, { patch: action.writeCrm }, 'relink');
        if (!rec) {
          fail(action, 412);
          continue;
        }
        if (!relinkAfter(action, rec, action.remote, action.writeRemote, action.merged)) continue;
        break;
      }
      case 'forgetLink':
        links.delete(action.link.crmId);
        break;
      default:
        assertNever(action);
    }
    result.applied++;
  }
  return result;
}
