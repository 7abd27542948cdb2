// The actions a sync run can take, as one discriminated union. Actions describe intent only; the
// applier (store + connector) executes them, uses `ifMatch` / the CRM item's `version` for
// optimistic concurrency, journals every CRM write with before and after (X5) and then stores or
// removes the link as stated per action below. No action hard-deletes a CRM record (X5): there is
// no such action.
import type { Id } from '../../domain/records.js';
import type { FieldMap } from '../model/fields.js';
import type { CrmItem, CrmLeaveReason, RemoteDeletionEvidence, RemoteItem, SyncLink } from '../model/state.js';
import type { ImportAssignment } from './context.js';
import type { ConflictPolicy, MergeResult } from './merge.js';
import type { MatchTier } from './match.js';

/** SPEC rule IDs an action implements (for history, logs and tests). */
export type RuleId =
  | 'D3' | 'C1' | 'C2' | 'X1' | 'X2' | 'X3' | 'X4' | 'X5' | 'X6' | 'S5'
  | 'I1' | 'I2' | 'I3' | 'F2' | 'F3' | 'G1' | 'M1' | 'M2' | 'A4';

/** X1–X3: what a deletion on the target does to the CRM record — never a hard delete (X5). */
export type CrmDeletionEffect =
  /** X1 (001): the user's sync tick is removed. */
  | { kind: 'removeSyncTick'; userId: Id }
  /** X1 (002, Microsoft 365 mode): the contact is archived. */
  | { kind: 'archiveContact' }
  /** X2: the appointment is set to cancelled. */
  | { kind: 'cancelAppointment' }
  /** X2: the user is one of several attendees: only this user is removed. */
  | { kind: 'removeAttendee'; userId: Id }
  /** X3: the user leaves the responsible field; `cancelTask` when no one is left. */
  | { kind: 'removeResponsible'; userId: Id; cancelTask: boolean };

/** C2: how a record that left the set in the CRM is brought back. */
export type CrmUndo = 'retick' | 'unarchive' | 'uncancel' | 'readdUser';

export type ReportReason =
  /** D3: created on a one-way target; left alone. */
  | 'remote-created-in-one-way'
  /** I1–I3: the import rule refused it (CardDAV answers 403 with `detail`). */
  | 'import-refused'
  /** M1: more than one candidate on the other side; nothing linked, nothing created. */
  | 'ambiguous-match'
  /** M2: an unlinked target item carrying the CRM id of an item that already has a copy. */
  | 'duplicate-copy'
  /** M2: an unlinked target item carrying a CRM id that is not in this run's set. */
  | 'unknown-crm-id'
  /** The caller gave no record facts; a deletion effect cannot be chosen safely. */
  | 'record-facts-missing';

/** Who a report is about. */
export interface ReportSubject {
  crmId: Id | null;
  remoteHref: string | null;
}

export type SyncAction =
  /** Nothing to do. */
  | { kind: 'noop'; key: string }
  /**
   * Both sides already agree (e.g. both changed to the same content, or the remote change was only
   * an F2/F3 echo): store a fresh link (versions and hashes of `crm` and `remote`, base = `base`)
   * without writing either side.
   */
  | { kind: 'updateLink'; link: SyncLink; crm: CrmItem; remote: RemoteItem; base: FieldMap; rules: readonly RuleId[] }
  /**
   * Create the copy on the target, with UID = `crm.uid` and X-CRMSYNC-ID = `crm.id`, at a resource
   * name derived from the UID with If-None-Match: * (M2). Then store a new link, base = crm fields.
   */
  | { kind: 'createRemote'; crm: CrmItem; fields: FieldMap; rules: readonly RuleId[] }
  /** Write `fields` (F2 cut applied) over the copy with If-Match; then refresh the link, base = crm fields. */
  | {
      kind: 'updateRemote';
      link: SyncLink;
      crm: CrmItem;
      fields: FieldMap;
      ifMatch: string;
      reason: 'crm-changed' | 'overwrite-remote-change';
      rules: readonly RuleId[];
    }
  /**
   * Put the copy back at the same href and UID (the target said it is gone, or it is cancelled
   * there). Then refresh the link, base = crm fields. G1 and C2 restores are logged.
   */
  | {
      kind: 'restoreRemote';
      link: SyncLink;
      crm: CrmItem;
      fields: FieldMap;
      reason: 'change-beats-delete' | 'one-way-put-back' | 'group-member-delete' | 'not-own-calendar';
      rules: readonly RuleId[];
    }
  /** Delete the copy (If-Match when known; 404 counts as done); then remove the link. */
  | {
      kind: 'deleteRemote';
      link: SyncLink;
      ifMatch: string | null;
      reason: CrmLeaveReason | 'cancelled-on-target';
      rules: readonly RuleId[];
    }
  /**
   * Write `patch` into the CRM record (expecting `crm.version`), and when `writeRemote` is set write
   * it to the target (If-Match `remote.version`); then refresh the link, base = `merged`.
   */
  | {
      kind: 'updateCrm';
      link: SyncLink;
      crm: CrmItem;
      remote: RemoteItem;
      patch: FieldMap;
      merged: FieldMap;
      writeRemote: FieldMap | null;
      rules: readonly RuleId[];
    }
  /**
   * I1–I3: create a CRM record from the target item with `assign` applied; write X-CRMSYNC-ID into
   * the item (M1); remove `replacesLink` if set (C2: the old record was hard-absent) and store a
   * new link, base = `fields`.
   */
  | {
      kind: 'createCrm';
      remote: RemoteItem;
      fields: FieldMap;
      assign: ImportAssignment;
      replacesLink: SyncLink | null;
      rules: readonly RuleId[];
    }
  /**
   * C2: the record left the set in the CRM but changed on the target: undo the leave, write
   * `patch`, optionally write the target; then refresh the link, base = `merged`.
   */
  | {
      kind: 'restoreCrm';
      link: SyncLink;
      crm: CrmItem;
      remote: RemoteItem;
      undo: CrmUndo;
      patch: FieldMap;
      merged: FieldMap;
      writeRemote: FieldMap | null;
      rules: readonly RuleId[];
    }
  /**
   * X1–X3: the target deleted (or cancelled, X2) the copy: apply `effect` to the CRM record.
   * Afterwards 'forgetLink' (the copy is gone) or 'keepLink' (a cancelled copy is still there:
   * refresh the link from `remote`; once the record left the set, X4 removes the copy).
   */
  | {
      kind: 'crmDeletionEffect';
      link: SyncLink;
      crm: CrmItem;
      effect: CrmDeletionEffect;
      evidence: RemoteDeletionEvidence | 'cancelled-on-target';
      afterwards: { kind: 'forgetLink' } | { kind: 'keepLink'; remote: RemoteItem };
      rules: readonly RuleId[];
    }
  /**
   * C1: changed on both sides with different content. Journal both versions; write `writeCrm`
   * (a patch) and/or `writeRemote` (full, F2 cut applied); refresh the link, base = merge.merged.
   */
  | {
      kind: 'conflict';
      link: SyncLink;
      crm: CrmItem;
      remote: RemoteItem;
      base: FieldMap | null;
      policy: ConflictPolicy;
      merge: MergeResult;
      writeCrm: FieldMap | null;
      writeRemote: FieldMap | null;
      rules: readonly RuleId[];
    }
  /**
   * M1/M2: link an unlinked CRM record and an unlinked target item that are the same item. Write
   * `writeCrm` / `writeRemote` when set (the remote write also stamps X-CRMSYNC-ID); store the link,
   * base = `merged`.
   */
  | {
      kind: 'relink';
      crm: CrmItem;
      remote: RemoteItem;
      matchedBy: MatchTier;
      merged: FieldMap;
      writeCrm: FieldMap | null;
      writeRemote: FieldMap | null;
      rules: readonly RuleId[];
    }
  /** Remove the link; neither side is written. */
  | { kind: 'forgetLink'; link: SyncLink; reason: 'both-gone' | 'import-refused'; detail: string; rules: readonly RuleId[] }
  /** Leave the item alone and tell the user why. */
  | { kind: 'report'; subject: ReportSubject; reason: ReportReason; detail: string; rules: readonly RuleId[] };

export type SyncActionKind = SyncAction['kind'];
export const SYNC_ACTION_KINDS: readonly SyncActionKind[] = [
  'noop', 'updateLink', 'createRemote', 'updateRemote', 'restoreRemote', 'deleteRemote', 'updateCrm',
  'createCrm', 'restoreCrm', 'crmDeletionEffect', 'conflict', 'relink', 'forgetLink', 'report',
];

/** Does the action write to either side? (`noop`, `report`, `updateLink`, `forgetLink` do not.) */
export function writesData(action: SyncAction): boolean {
  switch (action.kind) {
    case 'noop':
    case 'report':
    case 'updateLink':
    case 'forgetLink':
      return false;
    case 'relink':
      return action.writeCrm !== null || action.writeRemote !== null;
    case 'conflict':
      return action.writeCrm !== null || action.writeRemote !== null;
    case 'createRemote':
    case 'updateRemote':
    case 'restoreRemote':
    case 'deleteRemote':
    case 'updateCrm':
    case 'createCrm':
    case 'restoreCrm':
    case 'crmDeletionEffect':
      return true;
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}
