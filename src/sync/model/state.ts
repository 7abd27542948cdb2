// Item-state model of the sync engine: the link row kept per synced item and the state each side is
// observed in at the start of a run. Illegal states are unrepresentable: a linked cell cannot be
// "new" on either side, an unlinked cell has exactly one side, a record that is gone from the CRM
// carries no content, and a remote item that was not listed carries no version.
//
// The shape follows vdirsyncer's status rows (ident, href, etag and hash per side).
import type { Id } from '../../domain/records.js';
import type { FieldMap } from './fields.js';

/** One synced item: what both sides looked like when they last agreed. */
export interface SyncLink {
  crmId: Id;
  /** Where the copy lives on the target (CalDAV href, Graph id, Google resource name). */
  remoteHref: string;
  /** iCalendar / vCard UID of the copy (M1, M2). */
  remoteUid: string;
  /** ETag / change key of the copy at last sync. */
  remoteVersion: string;
  /** `version` of the CRM record at last sync. */
  crmVersion: number;
  /** Hash of the CRM side's canonical projection at last sync. */
  crmHash: string;
  /** Hash of the remote side's canonical projection (as read back) at last sync. */
  remoteHash: string;
  /**
   * C1 base snapshot: the agreed content (CRM projection, untruncated) at last sync, for the
   * three-way merge. `null` when the two sides were linked without ever agreeing (not expected
   * after a completed relink; treated as "every differing field changed on both sides").
   */
  base: FieldMap | null;
  /**
   * `base` as stored JSON, when already at hand (the canonical JSON of the CRM projection): the
   * link row takes it instead of serialising `base` again. A missing key and `null` mean the
   * same (fields.ts), so the compact form is the same snapshot.
   */
  baseJson?: string;
}

/** The CRM side of an item as read in this run. */
export interface CrmItem {
  id: Id;
  uid: string;
  version: number;
  fields: FieldMap;
  /** hashFields(fields) */
  hash: string;
  /** canonicalCompact(fields), what `hash` hashes, when the projection produced it. */
  canonical?: string;
}

/** The remote side of an item as read in this run. */
export interface RemoteItem {
  href: string;
  uid: string;
  /** ETag / change key. */
  version: string;
  fields: FieldMap;
  /** hashFields(fields) */
  hash: string;
  /** Our id as found in X-CRMSYNC-ID (or the target's extended property), M1. */
  crmId: Id | null;
}

/**
 * Why an item is no longer in the user's sync set (S5, X4). `window-left` is not a deletion in the
 * CRM; `user-removed` covers "the user is no longer an attendee / responsible"; `hard-absent`
 * means the record no longer exists in the CRM at all (never caused by sync, X5).
 */
export type CrmLeaveReason = 'unticked' | 'archived' | 'cancelled' | 'user-removed' | 'window-left' | 'hard-absent';
export const CRM_LEAVE_REASONS: readonly CrmLeaveReason[] = [
  'unticked', 'archived', 'cancelled', 'user-removed', 'window-left', 'hard-absent',
];
/** Reasons under which the record still exists and its content can be read. */
export type CrmLeaveReasonWithRecord = Exclude<CrmLeaveReason, 'hard-absent'>;

/** CRM side of a linked item. */
export type LinkedCrmState =
  | { state: 'unchanged'; item: CrmItem }
  | { state: 'changed'; item: CrmItem }
  | { state: 'left-set'; reason: CrmLeaveReasonWithRecord; item: CrmItem }
  | { state: 'left-set'; reason: 'hard-absent' };

/**
 * How the target told us an item is gone (X6: only explicit evidence counts — never absence from
 * a listing, full or windowed). `not-found`: a direct GET of the href answered 404 (how a caller
 * without a delta feed confirms a suspected deletion).
 */
export type RemoteDeletionEvidence =
  | 'sync-collection-404'
  | 'graph-removed'
  | 'google-cancelled'
  | 'people-deleted'
  | 'not-found';

/** Remote side of a linked item. */
export type LinkedRemoteState =
  /** Same content as at last sync. `version` may differ (ETag churn); `item` when it was fetched. */
  | { state: 'unchanged'; version: string; item: RemoteItem | null }
  | { state: 'changed'; item: RemoteItem }
  | { state: 'deleted'; evidence: RemoteDeletionEvidence }
  /** X6: not in a windowed listing and no explicit deletion — never a delete. */
  | { state: 'not-listed' };

/** One cell of a run: a linked item, or an item new on exactly one side. */
export type SyncCell =
  | { kind: 'linked'; link: SyncLink; crm: LinkedCrmState; remote: LinkedRemoteState }
  /** CRM state "new": in the set, no link. */
  | { kind: 'crm-only'; crm: CrmItem }
  /** Remote state "new": listed on the target, no link. */
  | { kind: 'remote-only'; remote: RemoteItem };

/** Keys of the decision tables (rows: CRM state, columns: remote state). */
export type LinkedCrmKey =
  | 'unchanged'
  | 'changed'
  | `left:${CrmLeaveReason}`;
export const LINKED_CRM_KEYS: readonly LinkedCrmKey[] = [
  'unchanged', 'changed', ...CRM_LEAVE_REASONS.map((r): LinkedCrmKey => `left:${r}`),
];
export type LinkedRemoteKey = LinkedRemoteState['state'];
export const LINKED_REMOTE_KEYS: readonly LinkedRemoteKey[] = ['unchanged', 'changed', 'deleted', 'not-listed'];

export function crmKey(state: LinkedCrmState): LinkedCrmKey {
  switch (state.state) {
    case 'unchanged':
    case 'changed':
      return state.state;
    case 'left-set':
      return `left:${state.reason}`;
    default:
      return assertNever(state);
  }
}

/** Human-readable cell name, e.g. `changed×deleted`, `new×none`, `none×new`. */
export type CellName = `${LinkedCrmKey}×${LinkedRemoteKey}` | 'new×none' | 'none×new';

export function cellName(cell: SyncCell): CellName {
  switch (cell.kind) {
    case 'linked':
      return `${crmKey(cell.crm)}×${cell.remote.state}`;
    case 'crm-only':
      return 'new×none';
    case 'remote-only':
      return 'none×new';
    default:
      return assertNever(cell);
  }
}

/** Stable identity of a cell within a run. */
export function cellKey(cell: SyncCell): string {
  switch (cell.kind) {
    case 'linked':
      return `link:${cell.link.crmId}`;
    case 'crm-only':
      return `crm:${cell.crm.id}`;
    case 'remote-only':
      return `remote:${cell.remote.href}`;
    default:
      return assertNever(cell);
  }
}

// ---------------------------------------------------------------------------------------------
// Classification: a change counts only when both the version and the content hash changed, so
// ETag churn and echoes of our own writes are no change.

/** What the CRM reader found for a linked record. */
export type CrmObservation =
  | { present: true; item: CrmItem; leaving: CrmLeaveReasonWithRecord | null }
  | { present: false };

export function classifyCrm(link: SyncLink, observed: CrmObservation): LinkedCrmState {
  if (!observed.present) return { state: 'left-set', reason: 'hard-absent' };
  const { item, leaving } = observed;
  if (leaving !== null) return { state: 'left-set', reason: leaving, item };
  const changed = item.version !== link.crmVersion && item.hash !== link.crmHash;
  return changed ? { state: 'changed', item } : { state: 'unchanged', item };
}

/** What the target's listing said about a linked href. */
export type RemoteObservation =
  /** `item` may be null only when the version equals the link's (content not fetched). */
  | { kind: 'listed'; version: string; item: RemoteItem | null }
  | { kind: 'deleted'; evidence: RemoteDeletionEvidence }
  | { kind: 'not-listed' };

export function classifyRemote(link: SyncLink, observed: RemoteObservation): LinkedRemoteState {
  switch (observed.kind) {
    case 'deleted':
      return { state: 'deleted', evidence: observed.evidence };
    case 'not-listed':
      return { state: 'not-listed' };
    case 'listed': {
      const { version, item } = observed;
      if (version === link.remoteVersion) return { state: 'unchanged', version, item };
      if (item === null) {
        throw new Error(`classifyRemote: ${link.remoteHref} has a new version; its content must be fetched`);
      }
      return item.hash !== link.remoteHash ? { state: 'changed', item } : { state: 'unchanged', version, item };
    }
    default:
      return assertNever(observed);
  }
}

/** Everything one run read from both sides, for `buildCells`. */
export interface RunObservation {
  links: readonly SyncLink[];
  /** CRM records in the set (leaving = null) and linked records that left it (with the reason). */
  crm: readonly { item: CrmItem; leaving: CrmLeaveReasonWithRecord | null }[];
  /** Items the target listed, with content. */
  remote: readonly RemoteItem[];
  /**
   * Explicit deletions reported by the target (X6), by href. A linked href that is neither listed
   * nor here is 'not-listed', which is never a delete.
   */
  remoteDeleted: ReadonlyMap<string, RemoteDeletionEvidence>;
}

/** Joins links, CRM records and remote items into the cells of a run. */
export function buildCells(obs: RunObservation): SyncCell[] {
  const crmById = new Map(obs.crm.map((c) => [c.item.id, c]));
  const remoteByHref = new Map(obs.remote.map((r) => [r.href, r]));
  const linkedCrm = new Set<Id>();
  const linkedHref = new Set<string>();
  const cells: SyncCell[] = [];
  for (const link of obs.links) {
    if (linkedCrm.has(link.crmId) || linkedHref.has(link.remoteHref)) {
      throw new Error(`buildCells: duplicate link for ${link.crmId} / ${link.remoteHref}`);
    }
    linkedCrm.add(link.crmId);
    linkedHref.add(link.remoteHref);
    const c = crmById.get(link.crmId);
    const crm = classifyCrm(link, c ? { present: true, item: c.item, leaving: c.leaving } : { present: false });
    const r = remoteByHref.get(link.remoteHref);
    const evidence = obs.remoteDeleted.get(link.remoteHref);
    const remoteObs: RemoteObservation = r
      ? { kind: 'listed', version: r.version, item: r }
      : evidence
        ? { kind: 'deleted', evidence }
        : { kind: 'not-listed' };
    cells.push({ kind: 'linked', link, crm, remote: classifyRemote(link, remoteObs) });
  }
  for (const c of obs.crm) {
    if (c.leaving === null && !linkedCrm.has(c.item.id)) cells.push({ kind: 'crm-only', crm: c.item });
  }
  for (const r of obs.remote) {
    if (!linkedHref.has(r.href)) cells.push({ kind: 'remote-only', remote: r });
  }
  return cells;
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
