// planRun: turns the cells of one run (one user, unit and target) into actions.
//
// 1. Unlinked CRM records and unlinked target items are matched first (M1, M2): at a first sync or
//    after a reset (`ctx.initial`) with every key tier, otherwise with the strong keys only (our id
//    in X-CRMSYNC-ID, UID) so that a create whose link was lost (crash after the PUT) is relinked,
//    never created twice. Ambiguous matches are reported and neither linked nor created.
// 2. An unlinked target item that carries the CRM id of an item that already has a copy is a
//    duplicate (reported, left alone); one carrying a CRM id unknown to this run is reported too —
//    importing it would duplicate a CRM record (M2).
// 3. Every other cell goes through the mode's decision table.
// 4. Mass-deletion guard (X6), see `massDeletionThreshold`.
import type { Id } from '../../domain/records.js';
import { diffFields, fieldsEqual, isEmptyPatch } from '../model/fields.js';
import { assertNever, cellName, type CrmItem, type RemoteItem, type SyncCell } from '../model/state.js';
import type { ReportReason, RuleId, SyncAction, SyncActionKind } from './actions.js';
import { SYNC_ACTION_KINDS } from './actions.js';
import type { DecisionContext } from './context.js';
import { fieldsForRemote, remoteAsSeenByCrm } from './limits.js';
import { defaultMatchKeys, matchInitial, type MatchKeysFn, type MatchTier } from './match.js';
import { mergeFields } from './merge.js';
import { decideOneWay } from './oneWay.js';
import { decideTwoWay } from './twoWay.js';

export type SyncMode = 'one-way' | 'two-way';

/**
 * X6 mass-deletion guard. SPEC: "a run that would delete more than a threshold (default 20 % of the
 * set or 50 items) pauses and asks". Read as: both limits apply and the smaller one wins, so a
 * large set is capped at 50 deletions and a smaller set at 20 %. `minItems` is our addition: below
 * it the ratio does not apply, so that a user with four contacts who deletes one is not asked.
 * Set `minItems: 0` for the literal reading.
 */
export interface MassDeletionGuard {
  ratio: number;
  maxItems: number;
  minItems: number;
}
export const DEFAULT_MASS_DELETION_GUARD: MassDeletionGuard = { ratio: 0.2, maxItems: 50, minItems: 5 };

/** The largest number of deletions a run may plan without pausing. */
export function massDeletionThreshold(setSize: number, guard: MassDeletionGuard): number {
  return Math.min(guard.maxItems, Math.max(guard.minItems, Math.floor(guard.ratio * setSize)));
}

/** The set size from which the threshold no longer grows (the ratio reaches `maxItems`): counting further is useless. */
export function massDeletionSaturation(guard: MassDeletionGuard): number {
  return guard.ratio > 0 ? Math.ceil(guard.maxItems / guard.ratio) : 0;
}

export interface PlanContext extends DecisionContext {
  mode: SyncMode;
  /** First sync or reset (H3): match with every key tier (M1). */
  initial: boolean;
  /** Override the M1 keys; default `defaultMatchKeys(unit)`. */
  matchKeys?: MatchKeysFn;
  guard: MassDeletionGuard;
  /** The user confirmed this mass deletion ("pauses and asks" — the answer). */
  confirmMassDeletion: boolean;
}

export interface PlanSummary {
  counts: Record<SyncActionKind, number>;
  /** Deletions counted by the guard: copies removed on the target / records leaving the CRM set. */
  deletions: { remote: number; crm: number };
  /** Linked items at the start of the run: the set the guard's ratio refers to. */
  setSize: number;
}

export interface PlannedAction {
  /** Cell name, e.g. `changed×deleted` (or `new×new` for a relink). */
  cell: string;
  action: SyncAction;
}

export type PauseReason = {
  kind: 'mass-deletion';
  deletions: number;
  threshold: number;
  setSize: number;
  message: string;
};

export type Plan =
  | { status: 'ready'; actions: PlannedAction[]; summary: PlanSummary }
  /** Nothing may be applied until the user confirms; `actions` shows what would happen. */
  | { status: 'paused'; reason: PauseReason; actions: PlannedAction[]; summary: PlanSummary };

export function decide(cell: SyncCell, ctx: DecisionContext & { mode: SyncMode }): SyncAction {
  switch (ctx.mode) {
    case 'one-way':
      return decideOneWay(cell, ctx);
    case 'two-way':
      return decideTwoWay(cell, ctx);
    default:
      return assertNever(ctx.mode);
  }
}

export function planRun(cells: readonly SyncCell[], ctx: PlanContext): Plan {
  assertDistinct(cells);
  const actions: PlannedAction[] = [];
  const linkedCrmIds = new Set<Id>();
  const crmOnly: CrmItem[] = [];
  const remoteOnly: RemoteItem[] = [];
  let setSize = 0;
  for (const cell of cells) {
    switch (cell.kind) {
      case 'linked':
        setSize++;
        linkedCrmIds.add(cell.link.crmId);
        actions.push({ cell: cellName(cell), action: decide(cell, ctx) });
        break;
      case 'crm-only':
        crmOnly.push(cell.crm);
        break;
      case 'remote-only':
        remoteOnly.push(cell.remote);
        break;
      default:
        assertNever(cell);
    }
  }

  // M1 / M2: match unlinked items before anything is created.
  const keys = ctx.matchKeys ?? defaultMatchKeys(ctx.unit, { strongOnly: !ctx.initial });
  const match = matchInitial(crmOnly, remoteOnly, keys);
  for (const pair of match.pairs) {
    actions.push({ cell: 'new×new', action: relink(pair.crm, pair.remote, pair.tier, ctx) });
  }
  for (const a of match.ambiguous) {
    actions.push({
      cell: a.side === 'crm' ? 'new×none' : 'none×new',
      action: report(
        a.side === 'crm' ? a.id : null, a.side === 'remote' ? a.id : null, 'ambiguous-match',
        `several candidates by ${a.tier}: ${a.candidates.join(', ')}`, ['M1'],
      ),
    });
  }
  const crmOnlyIds = new Set(crmOnly.map((c) => c.id));
  for (const crm of match.unmatchedCrm) {
    actions.push({ cell: 'new×none', action: decide({ kind: 'crm-only', crm }, ctx) });
  }
  for (const remote of match.unmatchedRemote) {
    let action: SyncAction;
    if (remote.crmId !== null && linkedCrmIds.has(remote.crmId)) {
      action = report(remote.crmId, remote.href, 'duplicate-copy', `a copy of ${remote.crmId} is already linked`, ['M2']);
    } else if (remote.crmId !== null && !crmOnlyIds.has(remote.crmId)) {
      action = report(remote.crmId, remote.href, 'unknown-crm-id', `carries CRM id ${remote.crmId}, which is not in this sync set`, ['M2']);
    } else {
      action = decide({ kind: 'remote-only', remote }, ctx);
    }
    actions.push({ cell: 'none×new', action });
  }

  const summary = summarise(actions, setSize);
  const deletions = summary.deletions.remote + summary.deletions.crm;
  const threshold = massDeletionThreshold(setSize, ctx.guard);
  if (deletions > threshold && !ctx.confirmMassDeletion) {
    return {
      status: 'paused',
      reason: {
        kind: 'mass-deletion', deletions, threshold, setSize,
        message: `This run would delete ${deletions} of ${setSize} items (${summary.deletions.remote} on the target, ` +
          `${summary.deletions.crm} in the CRM); more than ${threshold} needs confirmation.`,
      },
      actions,
      summary,
    };
  }
  return { status: 'ready', actions, summary };
}

/**
 * Which actions the guard counts as deletions: removing a copy on the target (X4), except copies
 * that only left the time window (S5: not a deletion), and every deletion effect in the CRM
 * (X1–X3: untick, archive, cancel, remove user).
 */
export function countsAsDeletion(action: SyncAction): 'remote' | 'crm' | null {
  switch (action.kind) {
    case 'deleteRemote':
      return action.reason === 'window-left' ? null : 'remote';
    case 'crmDeletionEffect':
      return 'crm';
    case 'noop':
    case 'updateLink':
    case 'createRemote':
    case 'updateRemote':
    case 'restoreRemote':
    case 'updateCrm':
    case 'createCrm':
    case 'restoreCrm':
    case 'conflict':
    case 'relink':
    case 'forgetLink':
    case 'report':
      return null;
    default:
      return assertNever(action);
  }
}

function summarise(actions: readonly PlannedAction[], setSize: number): PlanSummary {
  const counts = Object.fromEntries(SYNC_ACTION_KINDS.map((k) => [k, 0])) as Record<SyncActionKind, number>;
  const deletions = { remote: 0, crm: 0 };
  for (const { action } of actions) {
    counts[action.kind]++;
    const side = countsAsDeletion(action);
    if (side) deletions[side]++;
  }
  return { counts, deletions, setSize };
}

/**
 * M1: link a matched pair. One-way: the CRM content goes to the target. Two-way: there is no base,
 * so every differing field counts as changed on both sides and the conflict policy decides (C1).
 */
function relink(crm: CrmItem, remote: RemoteItem, tier: MatchTier, ctx: PlanContext): SyncAction {
  const seen = remoteAsSeenByCrm(remote.fields, crm.fields, null, ctx.fieldRules);
  const merged = ctx.mode === 'one-way' ? crm.fields : mergeFields(null, crm.fields, seen, ctx.conflictPolicy).merged;
  const patch = diffFields(crm.fields, merged);
  const stamp = remote.crmId !== crm.id; // M1: write our id into the item
  return {
    kind: 'relink', crm, remote, matchedBy: tier, merged,
    writeCrm: isEmptyPatch(patch) ? null : patch,
    writeRemote: fieldsEqual(merged, seen) && !stamp ? null : fieldsForRemote(merged, ctx.fieldRules),
    rules: ['M1', 'M2', 'C1'],
  };
}

function report(crmId: Id | null, remoteHref: string | null, reason: ReportReason, detail: string, rules: RuleId[]): SyncAction {
  return { kind: 'report', subject: { crmId, remoteHref }, reason, detail, rules };
}

/** A run's cells must not mention a CRM record or a target href twice. */
function assertDistinct(cells: readonly SyncCell[]): void {
  const crmIds = new Set<Id>();
  const hrefs = new Set<string>();
  const see = (set: Set<string>, key: string, what: string) => {
    if (set.has(key)) throw new Error(`planRun: ${what} ${key} appears in two cells`);
    set.add(key);
  };
  for (const cell of cells) {
    switch (cell.kind) {
      case 'linked':
        see(crmIds, cell.link.crmId, 'CRM record');
        see(hrefs, cell.link.remoteHref, 'target item');
        break;
      case 'crm-only':
        see(crmIds, cell.crm.id, 'CRM record');
        break;
      case 'remote-only':
        see(hrefs, cell.remote.href, 'target item');
        break;
      default:
        assertNever(cell);
    }
  }
}
