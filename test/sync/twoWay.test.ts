import { describe, expect, it } from 'vitest';
import { decideTwoWay, TWO_WAY_TABLE } from '../../src/sync/decide/twoWay.js';
import type { SyncAction } from '../../src/sync/decide/actions.js';
import { LINKED_CRM_KEYS, LINKED_REMOTE_KEYS, type LinkedCrmKey, type LinkedCrmState, type LinkedRemoteKey, type SyncCell } from '../../src/sync/model/state.js';
import { contactCategoryImportRule, defaultDecisionContext } from '../../src/sync/decide/context.js';
import {
  BASE, CRM_CHANGED, REMOTE_CHANGED, crmItem, ctxFor, linkFor, linkedCell, remoteItem,
} from './fixtures.js';

type Expect = { kind: SyncAction['kind']; rule: string; check?: (a: SyncAction) => void };

function only<K extends SyncAction['kind']>(a: SyncAction, kind: K): Extract<SyncAction, { kind: K }> {
  expect(a.kind).toBe(kind);
  return a as Extract<SyncAction, { kind: K }>;
}

const leftRow = (undo: string, rule: 'X4' | 'S5' = 'X4'): Record<LinkedRemoteKey, Expect> => ({
  unchanged: { kind: 'deleteRemote', rule, check: (a) => expect(only(a, 'deleteRemote').ifMatch).toBe('"r1"') },
  changed: {
    kind: 'restoreCrm', rule: 'C2',
    check: (a) => {
      const r = only(a, 'restoreCrm');
      expect(r.undo).toBe(undo);
      expect(r.patch).toEqual({ note: REMOTE_CHANGED['note'] });
      expect(r.writeRemote).toBeNull();
    },
  },
  deleted: { kind: 'forgetLink', rule: 'X4' },
  'not-listed': { kind: 'deleteRemote', rule: `${rule}, X6`, check: (a) => expect(only(a, 'deleteRemote').ifMatch).toBe('"r1"') },
});

/** The expected table, written out independently of the implementation's table. */
const EXPECTED: Record<LinkedCrmKey, Record<LinkedRemoteKey, Expect>> = {
  unchanged: {
    unchanged: { kind: 'noop', rule: 'nothing changed' },
    changed: { kind: 'updateCrm', rule: 'two-way pull', check: (a) => expect(only(a, 'updateCrm').patch).toEqual({ note: REMOTE_CHANGED['note'] }) },
    deleted: {
      kind: 'crmDeletionEffect', rule: 'X1',
      check: (a) => {
        const e = only(a, 'crmDeletionEffect');
        expect(e.effect).toEqual({ kind: 'removeSyncTick', userId: 'u1' });
        expect(e.afterwards).toEqual({ kind: 'forgetLink' });
      },
    },
    'not-listed': { kind: 'noop', rule: 'X6 missing is no delete' },
  },
  changed: {
    unchanged: { kind: 'updateRemote', rule: 'push', check: (a) => expect(only(a, 'updateRemote').fields).toEqual(CRM_CHANGED) },
    changed: {
      kind: 'conflict', rule: 'C1',
      check: (a) => {
        const c = only(a, 'conflict');
        expect(c.merge.merged).toEqual({ ...BASE, title: CRM_CHANGED['title'], note: REMOTE_CHANGED['note'] });
        expect(c.writeCrm).toEqual({ note: REMOTE_CHANGED['note'] });
        expect(c.writeRemote).toEqual(c.merge.merged);
        expect(c.merge.conflictingFields).toEqual([]);
      },
    },
    deleted: { kind: 'restoreRemote', rule: 'C2', check: (a) => expect(only(a, 'restoreRemote').reason).toBe('change-beats-delete') },
    'not-listed': { kind: 'updateRemote', rule: 'X6', check: (a) => expect(only(a, 'updateRemote').ifMatch).toBe('"r1"') },
  },
  'left:unticked': leftRow('retick'),
  'left:archived': leftRow('unarchive'),
  'left:cancelled': leftRow('uncancel'),
  'left:user-removed': leftRow('readdUser'),
  'left:window-left': {
    ...leftRow('-', 'S5'),
    changed: { kind: 'updateCrm', rule: 'S5 window is no delete', check: (a) => expect(only(a, 'updateCrm').patch).toEqual({ note: REMOTE_CHANGED['note'] }) },
  },
  'left:hard-absent': {
    ...leftRow('-'),
    changed: {
      kind: 'createCrm', rule: 'C2, I1',
      check: (a) => {
        const c = only(a, 'createCrm');
        expect(c.replacesLink?.crmId).toBe('c1');
        expect(c.fields).toEqual(REMOTE_CHANGED);
      },
    },
  },
};

describe('two-way decision table: every (CRM × remote) cell', () => {
  const ctx = ctxFor('contacts');
  for (const c of LINKED_CRM_KEYS) {
    for (const r of LINKED_REMOTE_KEYS) {
      const exp = EXPECTED[c][r];
      it(`${c}×${r} → ${exp.kind} (${exp.rule})`, () => {
        const action = decideTwoWay(linkedCell(c, r), ctx);
        expect(action.kind).toBe(exp.kind);
        exp.check?.(action);
      });
    }
  }

  it('new×none → createRemote (M2: uid and CRM id from the record)', () => {
    const a = only(decideTwoWay({ kind: 'crm-only', crm: crmItem('c9', BASE) }, ctx), 'createRemote');
    expect(a.crm.id).toBe('c9');
    expect(a.fields).toEqual(BASE);
  });

  it('none×new → createCrm when the import rule accepts (I1)', () => {
    const a = only(decideTwoWay({ kind: 'remote-only', remote: remoteItem('x.vcf', BASE) }, ctx), 'createCrm');
    expect(a.assign).toEqual({ kind: 'contactCategory', category: 'customer' });
    expect(a.replacesLink).toBeNull();
  });

  it('the table names a move for every cell', () => {
    for (const c of LINKED_CRM_KEYS) for (const r of LINKED_REMOTE_KEYS) expect(TWO_WAY_TABLE[c][r]).toBeTypeOf('string');
  });
});

describe('two-way: deletion on the target (X1–X3, G1)', () => {
  const cell = linkedCell('unchanged', 'deleted');

  it('X1 contact, archive mode (002) → archiveContact', () => {
    const a = only(decideTwoWay(cell, ctxFor('contacts', { contactDeletion: 'archive' })), 'crmDeletionEffect');
    expect(a.effect).toEqual({ kind: 'archiveContact' });
  });

  it('X2 appointment, user is the only attendee → cancelAppointment', () => {
    const a = only(decideTwoWay(cell, ctxFor('calendar', {}, { unit: 'calendar', attendance: 'direct', otherAttendees: 0 })), 'crmDeletionEffect');
    expect(a.effect).toEqual({ kind: 'cancelAppointment' });
  });

  it('X2 appointment, one of several attendees → removeAttendee (only this user)', () => {
    const a = only(decideTwoWay(cell, ctxFor('calendar', {}, { unit: 'calendar', attendance: 'direct', otherAttendees: 2 })), 'crmDeletionEffect');
    expect(a.effect).toEqual({ kind: 'removeAttendee', userId: 'u1' });
  });

  it('G1 group appointment deleted by a member → restoreRemote (logged)', () => {
    const a = only(decideTwoWay(cell, ctxFor('calendar', {}, { unit: 'calendar', attendance: 'group', otherAttendees: 5 })), 'restoreRemote');
    expect(a.reason).toBe('group-member-delete');
    expect(a.rules).toContain('G1');
  });

  it("A4 appointment from a colleague's calendar → restoreRemote, never cancelled", () => {
    const a = only(decideTwoWay(cell, ctxFor('calendar', {}, { unit: 'calendar', attendance: 'colleague-calendar', otherAttendees: 1 })), 'restoreRemote');
    expect(a.reason).toBe('not-own-calendar');
  });

  it('X3 task, user was the only responsible → removeResponsible and cancel', () => {
    const a = only(decideTwoWay(cell, ctxFor('tasks', {}, { unit: 'tasks', otherResponsible: 0 })), 'crmDeletionEffect');
    expect(a.effect).toEqual({ kind: 'removeResponsible', userId: 'u1', cancelTask: true });
  });

  it('X3 task with other responsible users → removeResponsible, task stays', () => {
    const a = only(decideTwoWay(cell, ctxFor('tasks', {}, { unit: 'tasks', otherResponsible: 1 })), 'crmDeletionEffect');
    expect(a.effect).toEqual({ kind: 'removeResponsible', userId: 'u1', cancelTask: false });
  });

  it('X5 without record facts nothing is touched: report', () => {
    const a = only(decideTwoWay(cell, ctxFor('contacts', { factsOf: () => undefined })), 'report');
    expect(a.reason).toBe('record-facts-missing');
  });

  it('facts of another unit are not trusted: report', () => {
    const a = decideTwoWay(cell, ctxFor('calendar', {}, { unit: 'tasks', otherResponsible: 0 }));
    expect(a.kind).toBe('report');
  });
});

describe('two-way: cancellation on the target counts as a deletion (X2)', () => {
  const cancelled = { ...BASE, status: 'cancelled' };
  const base = { ...BASE, status: 'confirmed' };
  const mk = (crm: 'unchanged' | 'changed' | 'left:cancelled'): SyncCell => {
    const link = linkFor('c1', 'c1.ics', base, base);
    const crmFields = crm === 'changed' ? { ...base, title: 'x' } : base;
    return {
      kind: 'linked' as const, link,
      crm: (crm === 'left:cancelled'
        ? { state: 'left-set', reason: 'cancelled', item: crmItem('c1', { ...base, status: 'cancelled' }, 2) }
        : { state: crm, item: crmItem('c1', crmFields, crm === 'changed' ? 2 : 1) }) satisfies LinkedCrmState,
      remote: { state: 'changed' as const, item: remoteItem('c1.ics', cancelled, '"r2"', 'c1', 'c1') },
    };
  };
  const ctx = ctxFor('calendar', {}, { unit: 'calendar', attendance: 'direct', otherAttendees: 1 });

  it('unchanged×cancelled → removeAttendee, link kept (the cancelled copy is still there)', () => {
    const a = only(decideTwoWay(mk('unchanged'), ctx), 'crmDeletionEffect');
    expect(a.effect.kind).toBe('removeAttendee');
    expect(a.evidence).toBe('cancelled-on-target');
    expect(a.afterwards.kind).toBe('keepLink');
  });

  it('changed×cancelled → restoreRemote (C2 change beats delete)', () => {
    expect(only(decideTwoWay(mk('changed'), ctx), 'restoreRemote').reason).toBe('change-beats-delete');
  });

  it('left:cancelled×cancelled → deleteRemote of the cancelled copy (X4)', () => {
    const a = only(decideTwoWay(mk('left:cancelled'), ctx), 'deleteRemote');
    expect(a.ifMatch).toBe('"r2"');
  });

  it('contacts have no cancellation: a status field is just a change', () => {
    expect(decideTwoWay(mk('unchanged'), ctxFor('contacts')).kind).toBe('updateCrm');
  });
});

describe('two-way: echoes, truncation and fields the target cannot hold (F2, F3)', () => {
  const long = 'A very long subject that the target cuts';
  const base = { title: long, note: 'n', photo: 'base64' };
  const rules = { remoteLimits: { title: 10 }, remoteCannotHold: ['photo'] };
  const ctx = ctxFor('calendar', { fieldRules: rules });
  const cell = (remoteFields: Record<string, string | null>, crm: 'unchanged' | 'changed' = 'unchanged', crmFields = base) => ({
    kind: 'linked' as const,
    link: linkFor('c1', 'c1.ics', base, { title: long.slice(0, 10), note: 'n' }),
    crm: { state: crm, item: crmItem('c1', crmFields, crm === 'changed' ? 2 : 1) },
    remote: { state: 'changed' as const, item: remoteItem('c1.ics', remoteFields, '"r2"', 'c1', 'c1') },
  });

  it('F2 the cut value coming back never overwrites the longer original', () => {
    const a = only(decideTwoWay(cell({ title: long.slice(0, 10), note: 'new' }), ctx), 'updateCrm');
    expect(a.patch).toEqual({ note: 'new' });
    expect(a.merged['title']).toBe(long);
  });

  it('F2 the cut value with trailing space trimmed is still a truncation', () => {
    const a = only(decideTwoWay(cell({ title: 'A very lon'.slice(0, 6).trimEnd(), note: 'n' }), ctx), 'updateCrm');
    // "A very" is not the 10-character cut of the title → a real edit that travels.
    expect(a.patch).toEqual({ title: 'A very' });
  });

  it('F2 a shorter real edit does travel', () => {
    expect(only(decideTwoWay(cell({ title: 'Short', note: 'n' }), ctx), 'updateCrm').patch).toEqual({ title: 'Short' });
  });

  it('F3 a missing photo on the target never deletes the CRM photo; pure echo → updateLink', () => {
    const a = decideTwoWay(cell({ title: long.slice(0, 10), note: 'n', photo: null }), ctx);
    expect(a.kind).toBe('updateLink');
  });

  it('F3 a field the target can hold is cleared when cleared there', () => {
    expect(only(decideTwoWay(cell({ title: long.slice(0, 10), note: '' }), ctx), 'updateCrm').patch).toEqual({ note: '' });
  });

  it('F2 CRM changed the long title, target still holds the cut of the old one: no conflict field', () => {
    const crmFields = { ...base, title: `Edited: ${long}` };
    const a = only(decideTwoWay(cell({ title: long.slice(0, 10), note: 'remote' }, 'changed', crmFields), ctx), 'conflict');
    expect(a.merge.merged).toEqual({ ...crmFields, note: 'remote' });
    expect(a.merge.conflictingFields).toEqual([]);
    expect(a.writeCrm).toEqual({ note: 'remote' });
    expect(a.writeRemote?.['title']).toBe('Edited: A ');
  });

  it('createRemote cuts to the target limit (F2, cut on the way in)', () => {
    const a = only(decideTwoWay({ kind: 'crm-only', crm: crmItem('c2', base) }, ctx), 'createRemote');
    expect(a.fields['title']).toBe(long.slice(0, 10));
  });
});

describe('two-way: conflicts (C1)', () => {
  const both = (crmFields: Record<string, string>, remoteFields: Record<string, string>) => ({
    kind: 'linked' as const,
    link: linkFor(),
    crm: { state: 'changed' as const, item: crmItem('c1', crmFields, 2) },
    remote: { state: 'changed' as const, item: remoteItem('c1.ics', remoteFields, '"r2"', 'c1', 'c1') },
  });

  it('both changed to the same content is no conflict → updateLink', () => {
    expect(decideTwoWay(both({ title: 'X', note: 'agenda', tags: 'a' }, { title: 'X', note: 'agenda', tags: 'a' }), ctxFor()).kind).toBe('updateLink');
  });

  it.each([
    ['crm-wins', 'CRM title'],
    ['remote-wins', 'Remote title'],
    ['merge', 'CRM title'],
  ] as const)('same field changed on both sides, policy %s → %s', (policy, title) => {
    const a = only(decideTwoWay(both({ ...BASE, title: 'CRM title' } as never, { ...BASE, title: 'Remote title' } as never), ctxFor('contacts', { conflictPolicy: policy })), 'conflict');
    expect(a.merge.merged['title']).toBe(title);
    expect(a.merge.conflictingFields).toEqual(['title']);
    expect(a.crm.fields['title']).toBe('CRM title');
    expect(a.remote.fields['title']).toBe('Remote title');
  });
});

describe('two-way: creation on the target (I1–I3)', () => {
  const remote = (fields: Record<string, unknown>) => ({ kind: 'remote-only' as const, remote: remoteItem('n.vcf', fields as never) });

  it.each([
    [['Kunde'], 'customer'],
    [['cliente'], 'customer'],
    [['Interessent'], 'prospect'],
    [[' Prospect '], 'prospect'],
  ])('I1 category %j → %s', (categories, category) => {
    const ctx = defaultDecisionContext('contacts', 'u1');
    const a = only(decideTwoWay(remote({ givenName: 'Ann', categories }), ctx), 'createCrm');
    expect(a.assign).toEqual({ kind: 'contactCategory', category });
  });

  it('I1 no customer or prospect category → report import-refused', () => {
    const a = only(decideTwoWay(remote({ givenName: 'Ann', categories: ['Friends'] }), defaultDecisionContext('contacts', 'u1')), 'report');
    expect(a.reason).toBe('import-refused');
  });

  it('I1 the words are configurable', () => {
    const ctx = defaultDecisionContext('contacts', 'u1', { importRule: contactCategoryImportRule({ customer: ['VIP'], prospect: [] }) });
    expect(decideTwoWay(remote({ categories: ['vip'] }), ctx).kind).toBe('createCrm');
    expect(decideTwoWay(remote({ categories: ['Kunde'] }), ctx).kind).toBe('report');
  });

  it('I2 appointment enters with the user as attendee', () => {
    const a = only(decideTwoWay(remote({ title: 'x' }), defaultDecisionContext('calendar', 'u7')), 'createCrm');
    expect(a.assign).toEqual({ kind: 'attendee', userId: 'u7' });
  });

  it('I3 task enters with the user responsible', () => {
    const a = only(decideTwoWay(remote({ title: 'x' }), defaultDecisionContext('tasks', 'u7')), 'createCrm');
    expect(a.assign).toEqual({ kind: 'responsible', userId: 'u7' });
  });

  it('C2 hard-absent record changed on the target but refused by I1 → forgetLink (then reported as new)', () => {
    const a = only(decideTwoWay(linkedCell('left:hard-absent', 'changed'), defaultDecisionContext('contacts', 'u1')), 'forgetLink');
    expect(a.reason).toBe('import-refused');
  });
});

describe('X6: a missing item is never a delete', () => {
  it('no cell with remote not-listed produces a CRM deletion effect or forgets a link', () => {
    for (const c of LINKED_CRM_KEYS) {
      const a = decideTwoWay(linkedCell(c, 'not-listed'), ctxFor());
      expect(['crmDeletionEffect', 'forgetLink', 'restoreRemote']).not.toContain(a.kind);
    }
  });
});
