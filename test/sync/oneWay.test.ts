import { describe, expect, it } from 'vitest';
import { decideOneWay, ONE_WAY_TABLE } from '../../src/sync/decide/oneWay.js';
import type { SyncAction } from '../../src/sync/decide/actions.js';
import { LINKED_CRM_KEYS, LINKED_REMOTE_KEYS, type LinkedCrmKey, type LinkedRemoteKey } from '../../src/sync/model/state.js';
import { BASE, CRM_CHANGED, crmItem, ctxFor, linkFor, linkedCell, remoteItem } from './fixtures.js';

type Expect = { kind: SyncAction['kind']; rule: string; check?: (a: SyncAction) => void };

function only<K extends SyncAction['kind']>(a: SyncAction, kind: K): Extract<SyncAction, { kind: K }> {
  expect(a.kind).toBe(kind);
  return a as Extract<SyncAction, { kind: K }>;
}

const leftRow = (rule: 'X4' | 'S5'): Record<LinkedRemoteKey, Expect> => ({
  unchanged: { kind: 'deleteRemote', rule },
  changed: { kind: 'deleteRemote', rule: `${rule}, CRM leads`, check: (a) => expect(only(a, 'deleteRemote').ifMatch).toBe('"r2"') },
  deleted: { kind: 'forgetLink', rule: 'both gone' },
  'not-listed': { kind: 'deleteRemote', rule: `${rule}, X6` },
});

const EXPECTED: Record<LinkedCrmKey, Record<LinkedRemoteKey, Expect>> = {
  unchanged: {
    unchanged: { kind: 'noop', rule: 'nothing changed' },
    changed: {
      kind: 'updateRemote', rule: 'D3 overwritten',
      check: (a) => {
        const u = only(a, 'updateRemote');
        expect(u.reason).toBe('overwrite-remote-change');
        expect(u.fields).toEqual(BASE);
        expect(u.ifMatch).toBe('"r2"');
      },
    },
    deleted: { kind: 'restoreRemote', rule: 'D3 put back', check: (a) => expect(only(a, 'restoreRemote').reason).toBe('one-way-put-back') },
    'not-listed': { kind: 'noop', rule: 'X6' },
  },
  changed: {
    unchanged: { kind: 'updateRemote', rule: 'push', check: (a) => expect(only(a, 'updateRemote').reason).toBe('crm-changed') },
    changed: { kind: 'updateRemote', rule: 'D3', check: (a) => expect(only(a, 'updateRemote').fields).toEqual(CRM_CHANGED) },
    deleted: { kind: 'restoreRemote', rule: 'D3, C2' },
    'not-listed': { kind: 'updateRemote', rule: 'X6 If-Match', check: (a) => expect(only(a, 'updateRemote').ifMatch).toBe('"r1"') },
  },
  'left:unticked': leftRow('X4'),
  'left:archived': leftRow('X4'),
  'left:cancelled': leftRow('X4'),
  'left:user-removed': leftRow('X4'),
  'left:window-left': leftRow('S5'),
  'left:hard-absent': leftRow('X4'),
};

describe('one-way decision table: every (CRM × remote) cell (D3)', () => {
  const ctx = ctxFor('contacts');
  for (const c of LINKED_CRM_KEYS) {
    for (const r of LINKED_REMOTE_KEYS) {
      const exp = EXPECTED[c][r];
      it(`${c}×${r} → ${exp.kind} (${exp.rule})`, () => {
        const action = decideOneWay(linkedCell(c, r), ctx);
        expect(action.kind).toBe(exp.kind);
        exp.check?.(action);
      });
    }
  }

  it('new×none → createRemote', () => {
    expect(decideOneWay({ kind: 'crm-only', crm: crmItem('c9', BASE) }, ctx).kind).toBe('createRemote');
  });

  it('none×new → report, left alone (D3), even when the import rule would accept', () => {
    const a = only(decideOneWay({ kind: 'remote-only', remote: remoteItem('x.vcf', { categories: ['Kunde'] }) }, ctx), 'report');
    expect(a.reason).toBe('remote-created-in-one-way');
  });

  it('the table names a move for every cell', () => {
    for (const c of LINKED_CRM_KEYS) for (const r of LINKED_REMOTE_KEYS) expect(ONE_WAY_TABLE[c][r]).toBeTypeOf('string');
  });
});

describe('one-way specifics', () => {
  const writesCrm = new Set(['updateCrm', 'createCrm', 'restoreCrm', 'crmDeletionEffect']);

  it('one-way never writes the CRM, in any cell or unit', () => {
    for (const unit of ['contacts', 'calendar', 'tasks'] as const) {
      for (const c of LINKED_CRM_KEYS) for (const r of LINKED_REMOTE_KEYS) {
        expect(writesCrm.has(decideOneWay(linkedCell(c, r), ctxFor(unit)).kind)).toBe(false);
      }
    }
  });

  it('G1 a group appointment deleted by a member is put back', () => {
    const ctx = ctxFor('calendar', {}, { unit: 'calendar', attendance: 'group', otherAttendees: 3 });
    expect(decideOneWay(linkedCell('unchanged', 'deleted'), ctx).kind).toBe('restoreRemote');
  });

  it('D3 a cancellation on the target is overwritten like any change', () => {
    const cell = {
      kind: 'linked' as const, link: linkFor(),
      crm: { state: 'unchanged' as const, item: crmItem('c1', BASE) },
      remote: { state: 'changed' as const, item: remoteItem('c1.ics', { ...BASE, status: 'cancelled' }, '"r2"') },
    };
    expect(decideOneWay(cell, ctxFor('calendar')).kind).toBe('updateRemote');
  });

  it('F2 a change that is only the cut CRM value is no change to overwrite → updateLink', () => {
    const long = 'x'.repeat(200);
    const base = { title: long };
    const cell = {
      kind: 'linked' as const, link: linkFor('c1', 'c1.ics', base, { title: 'x'.repeat(150) }),
      crm: { state: 'unchanged' as const, item: crmItem('c1', base) },
      remote: { state: 'changed' as const, item: remoteItem('c1.ics', { title: 'x'.repeat(150) }, '"r2"') },
    };
    const ctx = ctxFor('calendar', { fieldRules: { remoteLimits: { title: 150 }, remoteCannotHold: [] } });
    expect(decideOneWay(cell, ctx).kind).toBe('updateLink');
  });
});
