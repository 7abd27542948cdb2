/**
 * One-way decision table (D1 "one-way CRM→target", D3).
 *
 * The CRM leads: a change made on the target is overwritten by the next sync, a deleted item is
 * put back, and a new item there is left alone and reported (D3). The CRM is never written.
 *
 * | CRM \ remote        | unchanged       | changed          | deleted (explicit, X6) | not-listed (X6)  |
 * |---------------------|-----------------|------------------|------------------------|------------------|
 * | unchanged           | nothing         | overwrite D3     | restoreRemote D3       | nothing          |
 * | changed             | push            | overwrite D3     | restoreRemote D3, C2   | push (If-Match)  |
 * | left:<any reason>   | deleteRemote X4 | deleteRemote X4  | forget                 | deleteRemote X4  |
 * |   (window-left: S5, the copy goes, the CRM record stays)                                            |
 * | new (no link)       | createRemote M2                                                             |
 * | (no link) × new     | report D3 (left alone)                                                      |
 *
 * 'overwrite' is skipped (the link is refreshed) when the remote change is only the CRM value cut to
 * the target's limit (F2) or a field the target cannot hold (F3). G1 needs no special case: every
 * deleted copy is put back anyway. A cancellation on the target is a change like any other and is
 * overwritten.
 */
import { assertNever, crmKey, type LinkedCrmKey, type LinkedRemoteKey, type SyncCell } from '../model/state.js';
import type { SyncAction } from './actions.js';
import type { DecisionContext } from './context.js';
import {
  createRemote,
  deleteRemote,
  forgetOrRemoveCancelledCopy,
  noop,
  overwriteRemote,
  pushToRemote,
  reportRemoteCreatedOneWay,
  restoreRemote,
  tableMismatch,
} from './build.js';

export type OneWayMove = 'nothing' | 'push' | 'overwrite' | 'restoreRemote' | 'deleteRemote' | 'forget';
export type OneWayUnlinkedMove = 'createRemote' | 'report';

const LEFT_ROW = { unchanged: 'deleteRemote', changed: 'deleteRemote', deleted: 'forget', 'not-listed': 'deleteRemote' } as const;

export const ONE_WAY_TABLE: { readonly [C in LinkedCrmKey]: { readonly [R in LinkedRemoteKey]: OneWayMove } } = {
  unchanged: { unchanged: 'nothing', changed: 'overwrite', deleted: 'restoreRemote', 'not-listed': 'nothing' },
  changed: { unchanged: 'push', changed: 'overwrite', deleted: 'restoreRemote', 'not-listed': 'push' },
  'left:unticked': LEFT_ROW,
  'left:archived': LEFT_ROW,
  'left:cancelled': LEFT_ROW,
  'left:user-removed': LEFT_ROW,
  'left:window-left': LEFT_ROW,
  'left:hard-absent': LEFT_ROW,
};

export const ONE_WAY_UNLINKED: { readonly 'new×none': OneWayUnlinkedMove; readonly 'none×new': OneWayUnlinkedMove } = {
  'new×none': 'createRemote',
  'none×new': 'report',
};

export function decideOneWay(cell: SyncCell, ctx: DecisionContext): SyncAction {
  switch (cell.kind) {
    case 'crm-only':
      return createRemote(cell.crm, ctx);
    case 'remote-only':
      return reportRemoteCreatedOneWay(cell.remote);
    case 'linked':
      break;
    default:
      return assertNever(cell);
  }
  const { link, crm, remote } = cell;
  const move = ONE_WAY_TABLE[crmKey(crm)][remote.state];
  const crmItem = 'item' in crm ? crm.item : null;
  switch (move) {
    case 'nothing':
      return noop(cell);
    case 'push':
      if (!crmItem) return tableMismatch(cell, move);
      return pushToRemote(cell, link, crmItem, remote, ctx);
    case 'overwrite':
      if (!crmItem || remote.state !== 'changed') return tableMismatch(cell, move);
      return overwriteRemote(link, crmItem, remote.item, ctx);
    case 'restoreRemote':
      if (!crmItem) return tableMismatch(cell, move);
      return restoreRemote(link, crmItem, crm.state === 'changed' ? 'change-beats-delete' : 'one-way-put-back', ctx);
    case 'deleteRemote':
      if (crm.state !== 'left-set') return tableMismatch(cell, move);
      return deleteRemote(cell, link, remote, crm.reason);
    case 'forget':
      if (crm.state !== 'left-set') return tableMismatch(cell, move);
      return forgetOrRemoveCancelledCopy(cell, link, remote, crm.reason);
    default:
      return assertNever(move);
  }
}
