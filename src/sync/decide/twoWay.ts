/**
 * Two-way decision table (D1 "two-way").
 *
 * Rows: the CRM side of a linked item; columns: the remote side (see model/state.ts). Every cell
 * names a move; `decideTwoWay` turns the move into a SyncAction with the cell's data.
 *
 * | CRM \ remote        | unchanged      | changed              | deleted (explicit, X6) | not-listed (X6)  |
 * |---------------------|----------------|----------------------|------------------------|------------------|
 * | unchanged           | nothing        | pull                 | deletionEffect X1–X3,G1| nothing          |
 * | changed             | push           | reconcile C1         | restoreRemote C2       | push (If-Match)  |
 * | left:unticked       | deleteRemote X4| restoreCrm C2        | forget                 | deleteRemote X4  |
 * | left:archived       | deleteRemote X4| restoreCrm C2        | forget                 | deleteRemote X4  |
 * | left:cancelled      | deleteRemote X4| restoreCrm C2        | forget                 | deleteRemote X4  |
 * | left:user-removed   | deleteRemote X4| restoreCrm C2        | forget                 | deleteRemote X4  |
 * | left:window-left    | deleteRemote S5| pull (S5: no delete) | forget                 | deleteRemote S5  |
 * | left:hard-absent    | deleteRemote X4| recreateCrm C2,I1–I3 | forget                 | deleteRemote X4  |
 * | new (no link)       | createRemote M2 (unlinked remote: see below)                                    |
 * | (no link) × new     | import I1–I3: createCrm when the import rule accepts, else report               |
 *
 * Notes:
 * - X6: 'not-listed' is never a delete. A CRM change is still pushed with If-Match on the link's
 *   version; if the copy changed unseen, the write fails and the next run sees changed×changed.
 * - X2: a remote change that cancels an appointment counts as 'deleted' (the cancelled copy is kept
 *   in the cell so it can be restored or removed).
 * - S5: leaving the window is not a deletion in the CRM: a remote change to such an item is taken
 *   into the CRM, and the copy is removed at the next run if the item is still outside the window.
 * - C2 with a CRM-side leave: the leave is undone (re-tick, un-archive, un-cancel, re-add the user)
 *   and the remote change merged in; a record gone from the CRM is re-created subject to I1–I3.
 * - F2/F3 are applied in every move that reads remote content (see limits.ts).
 */
import { crmKey, type LinkedCrmKey, type LinkedRemoteKey, type SyncCell, assertNever } from '../model/state.js';
import type { SyncAction } from './actions.js';
import type { DecisionContext } from './context.js';
import {
  createRemote,
  decidedRemoteState,
  deleteRemote,
  deletionEffect,
  forgetOrRemoveCancelledCopy,
  importFromRemote,
  noop,
  pullFromRemote,
  pushToRemote,
  reconcile,
  restoreCrm,
  restoreRemote,
  tableMismatch,
} from './build.js';

export type TwoWayMove =
  | 'nothing'
  | 'push'
  | 'pull'
  | 'reconcile'
  | 'deletionEffect'
  | 'restoreRemote'
  | 'deleteRemote'
  | 'restoreCrm'
  | 'recreateCrm'
  | 'forget';
export type TwoWayUnlinkedMove = 'createRemote' | 'import';

const LEFT_ROW = { unchanged: 'deleteRemote', changed: 'restoreCrm', deleted: 'forget', 'not-listed': 'deleteRemote' } as const;

export const TWO_WAY_TABLE: { readonly [C in LinkedCrmKey]: { readonly [R in LinkedRemoteKey]: TwoWayMove } } = {
  unchanged: { unchanged: 'nothing', changed: 'pull', deleted: 'deletionEffect', 'not-listed': 'nothing' },
  changed: { unchanged: 'push', changed: 'reconcile', deleted: 'restoreRemote', 'not-listed': 'push' },
  'left:unticked': LEFT_ROW,
  'left:archived': LEFT_ROW,
  'left:cancelled': LEFT_ROW,
  'left:user-removed': LEFT_ROW,
  'left:window-left': { unchanged: 'deleteRemote', changed: 'pull', deleted: 'forget', 'not-listed': 'deleteRemote' },
  'left:hard-absent': { unchanged: 'deleteRemote', changed: 'recreateCrm', deleted: 'forget', 'not-listed': 'deleteRemote' },
};

export const TWO_WAY_UNLINKED: { readonly 'new×none': TwoWayUnlinkedMove; readonly 'none×new': TwoWayUnlinkedMove } = {
  'new×none': 'createRemote',
  'none×new': 'import',
};

export function decideTwoWay(cell: SyncCell, ctx: DecisionContext): SyncAction {
  switch (cell.kind) {
    case 'crm-only':
      return createRemote(cell.crm, ctx);
    case 'remote-only':
      return importFromRemote(cell.remote, null, ctx);
    case 'linked':
      break;
    default:
      return assertNever(cell);
  }
  const { link, crm } = cell;
  const remote = decidedRemoteState(cell.remote, link.base, ctx);
  const move = TWO_WAY_TABLE[crmKey(crm)][remote.state];
  const crmItem = 'item' in crm ? crm.item : null;
  switch (move) {
    case 'nothing':
      return noop(cell);
    case 'push':
      if (!crmItem) return tableMismatch(cell, move);
      return pushToRemote(cell, link, crmItem, remote, ctx);
    case 'pull':
      if (!crmItem || remote.state !== 'changed') return tableMismatch(cell, move);
      return pullFromRemote(link, crmItem, remote.item, ctx);
    case 'reconcile':
      if (!crmItem || remote.state !== 'changed') return tableMismatch(cell, move);
      return reconcile(link, crmItem, remote.item, ctx);
    case 'deletionEffect':
      if (!crmItem) return tableMismatch(cell, move);
      return deletionEffect(cell, link, crmItem, remote, ctx);
    case 'restoreRemote':
      if (!crmItem) return tableMismatch(cell, move);
      return restoreRemote(link, crmItem, 'change-beats-delete', ctx);
    case 'deleteRemote':
      if (crm.state !== 'left-set') return tableMismatch(cell, move);
      return deleteRemote(cell, link, remote, crm.reason);
    case 'restoreCrm':
      if (crm.state !== 'left-set' || remote.state !== 'changed') return tableMismatch(cell, move);
      if (crm.reason === 'hard-absent' || crm.reason === 'window-left') return tableMismatch(cell, move);
      return restoreCrm(link, crm.item, crm.reason, remote.item, ctx);
    case 'recreateCrm':
      if (remote.state !== 'changed') return tableMismatch(cell, move);
      return importFromRemote(remote.item, link, ctx);
    case 'forget':
      if (crm.state !== 'left-set') return tableMismatch(cell, move);
      return forgetOrRemoveCancelledCopy(cell, link, remote, crm.reason);
    default:
      return assertNever(move);
  }
}
