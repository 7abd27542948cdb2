// Action builders shared by the one-way and two-way tables. Each builder takes the parts of a cell
// its table row guarantees and turns them into one SyncAction; the SPEC rules it implements are
// cited where the rule is applied.
import type { Unit } from '../../domain/records.js';
import { diffFields, fieldsEqual, isEmptyPatch, type FieldMap } from '../model/fields.js';
import {
  assertNever,
  cellKey,
  cellName,
  type CrmItem,
  type CrmLeaveReason,
  type CrmLeaveReasonWithRecord,
  type LinkedRemoteState,
  type RemoteItem,
  type SyncCell,
  type SyncLink,
} from '../model/state.js';
import type { CrmDeletionEffect, CrmUndo, RuleId, SyncAction } from './actions.js';
import { statusCancelled, type DecisionContext } from './context.js';
import { fieldsForRemote, remoteAsSeenByCrm } from './limits.js';
import { mergeFields } from './merge.js';

/**
 * The remote state as the two-way table sees it: X2 makes a cancellation on the target a deletion,
 * but the cancelled copy is still there (`item`), so it can be restored or removed.
 */
export type DecidedRemoteState =
  | LinkedRemoteState
  | { state: 'deleted'; evidence: 'cancelled-on-target'; item: RemoteItem };

/** X2: reclassify a remote change that cancels an appointment as a deletion (two-way only). */
export function decidedRemoteState(
  remote: LinkedRemoteState,
  base: FieldMap | null,
  ctx: DecisionContext,
): DecidedRemoteState {
  if (remote.state !== 'changed') return remote;
  const isCancellation = ctx.isCancellation ?? (ctx.unit === 'calendar' ? statusCancelled : undefined);
  return isCancellation?.(remote.item.fields, base)
    ? { state: 'deleted', evidence: 'cancelled-on-target', item: remote.item }
    : remote;
}

/** The table promised a cell shape that the cell does not have: a bug in the table, not in data. */
export function tableMismatch(cell: SyncCell, move: string): never {
  throw new Error(`decision table: move '${move}' does not fit cell ${cellName(cell)} (${cellKey(cell)})`);
}

export function importRuleId(unit: Unit): RuleId {
  switch (unit) {
    case 'contacts':
      return 'I1';
    case 'calendar':
      return 'I2';
    case 'tasks':
      return 'I3';
    default:
      return assertNever(unit);
  }
}

export function noop(cell: SyncCell): SyncAction {
  return { kind: 'noop', key: cellKey(cell) };
}

export function createRemote(crm: CrmItem, ctx: DecisionContext): SyncAction {
  // M2: UID and X-CRMSYNC-ID come from the record, so a retried create is recognised (planRun relinks).
  return { kind: 'createRemote', crm, fields: fieldsForRemote(crm.fields, ctx.fieldRules), rules: ['M2', 'F2'] };
}

/** The copy's current version when the listing gave one, else the link's (X6: not listed). */
function currentRemoteVersion(link: SyncLink, remote: DecidedRemoteState): string | null {
  switch (remote.state) {
    case 'unchanged':
      return remote.version;
    case 'changed':
      return remote.item.version;
    case 'not-listed':
      return link.remoteVersion;
    case 'deleted':
      return 'item' in remote ? remote.item.version : null;
    default:
      return assertNever(remote);
  }
}

/** CRM changed, copy unchanged or not listed: write the CRM content (If-Match guards X6 cases). */
export function pushToRemote(cell: SyncCell, link: SyncLink, crm: CrmItem, remote: DecidedRemoteState, ctx: DecisionContext): SyncAction {
  const ifMatch = currentRemoteVersion(link, remote);
  if (ifMatch === null) return tableMismatch(cell, 'push');
  return {
    kind: 'updateRemote', link, crm, fields: fieldsForRemote(crm.fields, ctx.fieldRules), ifMatch,
    reason: 'crm-changed', rules: ['F2'],
  };
}

/** D3: one-way — a change on the target is overwritten, unless it is only an F2/F3 echo. */
export function overwriteRemote(link: SyncLink, crm: CrmItem, remote: RemoteItem, ctx: DecisionContext): SyncAction {
  const seen = remoteAsSeenByCrm(remote.fields, crm.fields, link.base, ctx.fieldRules);
  if (fieldsEqual(crm.fields, seen)) {
    return { kind: 'updateLink', link, crm, remote, base: crm.fields, rules: ['F2', 'F3'] };
  }
  return {
    kind: 'updateRemote', link, crm, fields: fieldsForRemote(crm.fields, ctx.fieldRules), ifMatch: remote.version,
    reason: 'overwrite-remote-change', rules: ['D3', 'F2'],
  };
}

export function restoreRemote(
  link: SyncLink,
  crm: CrmItem,
  reason: Extract<SyncAction, { kind: 'restoreRemote' }>['reason'],
  ctx: DecisionContext,
): SyncAction {
  const rules: RuleId[] =
    reason === 'change-beats-delete' ? ['C2'] :
    reason === 'one-way-put-back' ? ['D3'] :
    reason === 'group-member-delete' ? ['G1'] : ['A4'];
  return { kind: 'restoreRemote', link, crm, fields: fieldsForRemote(crm.fields, ctx.fieldRules), reason, rules: [...rules, 'X6'] };
}

/** X4 / S5: the record left the set — remove the copy. */
export function deleteRemote(cell: SyncCell, link: SyncLink, remote: DecidedRemoteState, reason: CrmLeaveReason): SyncAction {
  if (remote.state === 'deleted' && !('item' in remote)) return tableMismatch(cell, 'deleteRemote');
  return {
    kind: 'deleteRemote', link, ifMatch: currentRemoteVersion(link, remote), reason,
    rules: reason === 'window-left' ? ['S5'] : ['X4'],
  };
}

/** Both sides are gone — forget the link. A cancelled copy (X2) still exists and is removed (X4). */
export function forgetOrRemoveCancelledCopy(cell: SyncCell, link: SyncLink, remote: DecidedRemoteState, reason: CrmLeaveReason): SyncAction {
  if (remote.state !== 'deleted') return tableMismatch(cell, 'forget');
  if ('item' in remote) return deleteRemote(cell, link, remote, reason);
  return { kind: 'forgetLink', link, reason: 'both-gone', detail: `left the set in the CRM (${reason}); deleted on the target (${remote.evidence})`, rules: ['X4'] };
}

/** Two-way, the target changed and the CRM did not (or left only the window, S5): take the change. */
export function pullFromRemote(link: SyncLink, crm: CrmItem, remote: RemoteItem, ctx: DecisionContext): SyncAction {
  const seen = remoteAsSeenByCrm(remote.fields, crm.fields, link.base, ctx.fieldRules); // F2, F3
  const { merged } = mergeFields(link.base, crm.fields, seen, ctx.conflictPolicy);
  const patch = diffFields(crm.fields, merged);
  const writeRemote = fieldsEqual(merged, seen) ? null : fieldsForRemote(merged, ctx.fieldRules);
  if (isEmptyPatch(patch) && writeRemote === null) {
    return { kind: 'updateLink', link, crm, remote, base: merged, rules: ['F2', 'F3'] };
  }
  return { kind: 'updateCrm', link, crm, remote, patch, merged, writeRemote, rules: ['F2', 'F3'] };
}

/** C1: changed on both sides. Same content → just refresh the link; else merge per policy. */
export function reconcile(link: SyncLink, crm: CrmItem, remote: RemoteItem, ctx: DecisionContext): SyncAction {
  const seen = remoteAsSeenByCrm(remote.fields, crm.fields, link.base, ctx.fieldRules); // F2, F3
  if (fieldsEqual(crm.fields, seen)) {
    return { kind: 'updateLink', link, crm, remote, base: crm.fields, rules: ['C1'] };
  }
  const merge = mergeFields(link.base, crm.fields, seen, ctx.conflictPolicy);
  const patch = diffFields(crm.fields, merge.merged);
  return {
    kind: 'conflict', link, crm, remote, base: link.base, policy: ctx.conflictPolicy, merge,
    writeCrm: isEmptyPatch(patch) ? null : patch,
    writeRemote: fieldsEqual(merge.merged, seen) ? null : fieldsForRemote(merge.merged, ctx.fieldRules),
    rules: ['C1', 'F2', 'F3'],
  };
}

/**
 * Two-way, the target deleted (or cancelled) the copy and the CRM did not change it:
 * X1 contacts lose the tick or are archived; X2 appointments are cancelled, or only this user is
 * removed when there are other attendees; G1 a group member's delete is put back; an appointment
 * seen through a colleague's calendar (A4) is put back too (the user may not cancel it);
 * X3 tasks lose this user as responsible and are cancelled when no one is left.
 */
export function deletionEffect(
  cell: SyncCell,
  link: SyncLink,
  crm: CrmItem,
  remote: DecidedRemoteState,
  ctx: DecisionContext,
): SyncAction {
  if (remote.state !== 'deleted') return tableMismatch(cell, 'deletionEffect');
  const facts = ctx.factsOf(crm.id);
  if (facts === undefined || facts.unit !== ctx.unit) {
    return {
      kind: 'report', subject: { crmId: crm.id, remoteHref: link.remoteHref }, reason: 'record-facts-missing',
      detail: `deleted on the target, but no ${ctx.unit} facts for ${crm.id}; nothing changed`, rules: ['X5'],
    };
  }
  let effect: CrmDeletionEffect;
  let rule: RuleId;
  switch (facts.unit) {
    case 'contacts':
      effect = ctx.contactDeletion === 'archive' ? { kind: 'archiveContact' } : { kind: 'removeSyncTick', userId: ctx.userId };
      rule = 'X1';
      break;
    case 'calendar':
      switch (facts.attendance) {
        case 'group':
          return restoreRemote(link, crm, 'group-member-delete', ctx);
        case 'colleague-calendar':
          return restoreRemote(link, crm, 'not-own-calendar', ctx);
        case 'direct':
          effect = facts.otherAttendees > 0 ? { kind: 'removeAttendee', userId: ctx.userId } : { kind: 'cancelAppointment' };
          rule = 'X2';
          break;
        default:
          return assertNever(facts.attendance);
      }
      break;
    case 'tasks':
      effect = { kind: 'removeResponsible', userId: ctx.userId, cancelTask: facts.otherResponsible === 0 };
      rule = 'X3';
      break;
    default:
      return assertNever(facts);
  }
  return {
    kind: 'crmDeletionEffect', link, crm, effect, evidence: remote.evidence,
    afterwards: 'item' in remote ? { kind: 'keepLink', remote: remote.item } : { kind: 'forgetLink' },
    rules: [rule, 'X5', 'X6'],
  };
}

const UNDO: Readonly<Record<Exclude<CrmLeaveReasonWithRecord, 'window-left'>, CrmUndo>> = {
  unticked: 'retick',
  archived: 'unarchive',
  cancelled: 'uncancel',
  'user-removed': 'readdUser',
};

/** C2: left the set in the CRM, changed on the target — the item is restored in the CRM. */
export function restoreCrm(
  link: SyncLink,
  crm: CrmItem,
  reason: Exclude<CrmLeaveReasonWithRecord, 'window-left'>,
  remote: RemoteItem,
  ctx: DecisionContext,
): SyncAction {
  const seen = remoteAsSeenByCrm(remote.fields, crm.fields, link.base, ctx.fieldRules);
  const { merged } = mergeFields(link.base, crm.fields, seen, ctx.conflictPolicy);
  return {
    kind: 'restoreCrm', link, crm, remote, undo: UNDO[reason], patch: diffFields(crm.fields, merged), merged,
    writeRemote: fieldsEqual(merged, seen) ? null : fieldsForRemote(merged, ctx.fieldRules),
    rules: ['C2', 'F2', 'F3'],
  };
}

/**
 * I1–I3: a target item enters the CRM when the import rule accepts it. `replacing` is the link of
 * a record that is gone from the CRM (C2 with a hard-absent record): when refused, that link is
 * forgotten so the item is treated as new (and reported) from now on.
 */
export function importFromRemote(remote: RemoteItem, replacing: SyncLink | null, ctx: DecisionContext): SyncAction {
  const verdict = ctx.importRule(remote);
  const rule = importRuleId(ctx.unit);
  if (verdict.accept) {
    const fields = replacing?.base
      ? remoteAsSeenByCrm(remote.fields, replacing.base, replacing.base, ctx.fieldRules)
      : withoutFields(remote.fields, ctx.fieldRules.remoteCannotHold);
    return {
      kind: 'createCrm', remote, fields, assign: verdict.assign, replacesLink: replacing,
      rules: replacing ? ['C2', rule, 'M1'] : [rule, 'M1'],
    };
  }
  if (replacing) {
    return { kind: 'forgetLink', link: replacing, reason: 'import-refused', detail: verdict.reason, rules: ['C2', rule] };
  }
  return {
    kind: 'report', subject: { crmId: null, remoteHref: remote.href }, reason: 'import-refused',
    detail: verdict.reason, rules: [rule],
  };
}

function withoutFields(fields: FieldMap, names: readonly string[]): FieldMap {
  const out: Record<string, FieldMap[string]> = {};
  for (const [k, v] of Object.entries(fields)) if (!names.includes(k)) out[k] = v;
  return out;
}

export function reportRemoteCreatedOneWay(remote: RemoteItem): SyncAction {
  return {
    kind: 'report', subject: { crmId: null, remoteHref: remote.href }, reason: 'remote-created-in-one-way',
    detail: 'created on a one-way target; left alone', rules: ['D3'],
  };
}

