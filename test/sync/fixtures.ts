// Builders for cells and contexts used by the sync decision tests.
import { hashFields, type FieldMap } from '../../src/sync/model/fields.js';
import type {
  CrmItem,
  CrmLeaveReason,
  LinkedCrmKey,
  LinkedCrmState,
  LinkedRemoteKey,
  LinkedRemoteState,
  RemoteItem,
  SyncCell,
  SyncLink,
} from '../../src/sync/model/state.js';
import { defaultDecisionContext, type DecisionContext, type RecordFacts } from '../../src/sync/decide/context.js';
import { DEFAULT_MASS_DELETION_GUARD, type PlanContext, type SyncMode } from '../../src/sync/decide/plan.js';
import type { Unit } from '../../src/domain/records.js';

export const BASE: FieldMap = { title: 'Meeting', note: 'agenda', tags: ['a'] };

export function crmItem(id: string, fields: FieldMap, version = 1, uid = id): CrmItem {
  return { id, uid, version, fields, hash: hashFields(fields) };
}

export function remoteItem(href: string, fields: FieldMap, version = '"r1"', crmId: string | null = null, uid = `uid-${href}`): RemoteItem {
  return { href, uid, version, fields, hash: hashFields(fields), crmId };
}

export function linkFor(crmId = 'c1', href = 'c1.ics', base: FieldMap | null = BASE, remoteFields: FieldMap = BASE): SyncLink {
  return {
    crmId, remoteHref: href, remoteUid: crmId, remoteVersion: '"r1"', crmVersion: 1,
    crmHash: hashFields(base ?? {}), remoteHash: hashFields(remoteFields), base,
  };
}

export const CRM_CHANGED: FieldMap = { ...BASE, title: 'Meeting (moved)' };
export const REMOTE_CHANGED: FieldMap = { ...BASE, note: 'agenda + minutes' };

export function crmState(key: LinkedCrmKey, fields: FieldMap = CRM_CHANGED): LinkedCrmState {
  if (key === 'unchanged') return { state: 'unchanged', item: crmItem('c1', BASE, 1) };
  if (key === 'changed') return { state: 'changed', item: crmItem('c1', fields, 2) };
  const reason = key.slice('left:'.length) as CrmLeaveReason;
  if (reason === 'hard-absent') return { state: 'left-set', reason };
  return { state: 'left-set', reason, item: crmItem('c1', BASE, 2) };
}

export function remoteState(key: LinkedRemoteKey, fields: FieldMap = REMOTE_CHANGED): LinkedRemoteState {
  switch (key) {
    case 'unchanged':
      return { state: 'unchanged', version: '"r1"', item: remoteItem('c1.ics', BASE, '"r1"', 'c1', 'c1') };
    case 'changed':
      return { state: 'changed', item: remoteItem('c1.ics', fields, '"r2"', 'c1', 'c1') };
    case 'deleted':
      return { state: 'deleted', evidence: 'sync-collection-404' };
    case 'not-listed':
      return { state: 'not-listed' };
  }
}

export function linkedCell(crm: LinkedCrmKey, remote: LinkedRemoteKey, link: SyncLink = linkFor()): SyncCell {
  return { kind: 'linked', link, crm: crmState(crm), remote: remoteState(remote) };
}

export function ctxFor(unit: Unit = 'contacts', overrides: Partial<DecisionContext> = {}, facts?: RecordFacts): DecisionContext {
  const f: RecordFacts =
    facts ?? (unit === 'contacts' ? { unit } : unit === 'calendar' ? { unit, attendance: 'direct', otherAttendees: 0 } : { unit, otherResponsible: 0 });
  return defaultDecisionContext(unit, 'u1', {
    importRule: () => ({ accept: true, assign: { kind: 'contactCategory', category: 'customer' } }),
    factsOf: () => f,
    ...overrides,
  });
}

export function planCtx(mode: SyncMode, overrides: Partial<PlanContext> = {}, unit: Unit = 'contacts'): PlanContext {
  return {
    ...ctxFor(unit),
    mode,
    initial: false,
    guard: DEFAULT_MASS_DELETION_GUARD,
    confirmMassDeletion: false,
    ...overrides,
  };
}
