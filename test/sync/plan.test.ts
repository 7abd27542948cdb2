import { describe, expect, it } from 'vitest';
import { massDeletionThreshold, planRun, DEFAULT_MASS_DELETION_GUARD } from '../../src/sync/decide/plan.js';
import {
  defaultMatchKeys, matchInitial, normaliseName, normalisePhone,
} from '../../src/sync/decide/match.js';
import type { SyncCell } from '../../src/sync/model/state.js';
import { buildCells } from '../../src/sync/model/state.js';
import { BASE, crmItem, linkFor, linkedCell, planCtx, remoteItem } from './fixtures.js';

function linkedCells(n: number, crm: 'unchanged' | 'left:unticked' | 'left:window-left', remote: 'unchanged' | 'deleted', from = 0): SyncCell[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `c${i + from}`;
    const c = linkedCell(crm, remote, linkFor(id, `${id}.ics`));
    if (c.kind !== 'linked') throw new Error();
    const crmState = 'item' in c.crm ? { ...c.crm, item: { ...c.crm.item, id } } : c.crm;
    return { ...c, crm: crmState } as SyncCell;
  });
}

describe('mass-deletion guard (X6)', () => {
  it('threshold = min(50, max(5, 20 % of the set))', () => {
    const g = DEFAULT_MASS_DELETION_GUARD;
    expect(massDeletionThreshold(3, g)).toBe(5);
    expect(massDeletionThreshold(100, g)).toBe(20);
    expect(massDeletionThreshold(1000, g)).toBe(50);
    expect(massDeletionThreshold(100, { ...g, minItems: 0 })).toBe(20);
    expect(massDeletionThreshold(10, { ...g, minItems: 0 })).toBe(2);
  });

  it('a run deleting more than the threshold on the target pauses with the reason', () => {
    const cells = [...linkedCells(21, 'left:unticked', 'unchanged'), ...linkedCells(79, 'unchanged', 'unchanged', 100)];
    const plan = planRun(cells, planCtx('two-way'));
    expect(plan.status).toBe('paused');
    if (plan.status !== 'paused') return;
    expect(plan.reason).toMatchObject({ kind: 'mass-deletion', deletions: 21, threshold: 20, setSize: 100 });
    expect(plan.reason.message).toMatch(/21 of 100/);
    expect(plan.summary.deletions).toEqual({ remote: 21, crm: 0 });
  });

  it('exactly the threshold does not pause', () => {
    const cells = [...linkedCells(20, 'left:unticked', 'unchanged'), ...linkedCells(80, 'unchanged', 'unchanged', 100)];
    expect(planRun(cells, planCtx('two-way')).status).toBe('ready');
  });

  it('CRM-side deletion effects count too (X1–X3)', () => {
    const cells = [...linkedCells(21, 'unchanged', 'deleted'), ...linkedCells(79, 'unchanged', 'unchanged', 100)];
    const plan = planRun(cells, planCtx('two-way'));
    expect(plan.status).toBe('paused');
    expect(plan.summary.deletions).toEqual({ remote: 0, crm: 21 });
  });

  it('items only leaving the time window are no deletion (S5)', () => {
    const cells = [...linkedCells(60, 'left:window-left', 'unchanged'), ...linkedCells(40, 'unchanged', 'unchanged', 100)];
    const plan = planRun(cells, planCtx('two-way'));
    expect(plan.status).toBe('ready');
    expect(plan.summary.counts.deleteRemote).toBe(60);
  });

  it('a confirmed run goes ahead', () => {
    const cells = linkedCells(60, 'left:unticked', 'unchanged');
    expect(planRun(cells, planCtx('two-way')).status).toBe('paused');
    expect(planRun(cells, planCtx('two-way', { confirmMassDeletion: true })).status).toBe('ready');
  });

  it('the 50-item cap applies to large sets', () => {
    const cells = [...linkedCells(51, 'left:unticked', 'unchanged'), ...linkedCells(949, 'unchanged', 'unchanged', 1000)];
    const plan = planRun(cells, planCtx('one-way'));
    expect(plan.status).toBe('paused');
  });
});

describe('planRun', () => {
  it('refuses a run that mentions a record twice', () => {
    const cells: SyncCell[] = [linkedCell('unchanged', 'unchanged'), { kind: 'crm-only', crm: crmItem('c1', BASE) }];
    expect(() => planRun(cells, planCtx('two-way'))).toThrow(/two cells/);
  });

  it('M2 a create whose link was lost is relinked by our id, not created again', () => {
    const cells: SyncCell[] = [
      { kind: 'crm-only', crm: crmItem('c5', BASE) },
      { kind: 'remote-only', remote: remoteItem('c5.ics', BASE, '"r1"', 'c5') },
    ];
    const plan = planRun(cells, planCtx('two-way'));
    expect(plan.actions.map((a) => a.action.kind)).toEqual(['relink']);
    const a = plan.actions[0]?.action;
    expect(a?.kind === 'relink' && a.matchedBy).toBe('crm-id');
    expect(a?.kind === 'relink' && a.writeRemote).toBeNull();
  });

  it('outside a first sync only strong keys match: same e-mail is not enough', () => {
    const f = { ...BASE, emails: ['a@x.ch'] };
    const cells: SyncCell[] = [
      { kind: 'crm-only', crm: crmItem('c5', f) },
      { kind: 'remote-only', remote: remoteItem('r.vcf', f) },
    ];
    const kinds = planRun(cells, planCtx('two-way')).actions.map((a) => a.action.kind).sort();
    expect(kinds).toEqual(['createCrm', 'createRemote']);
  });

  it('M1 at a first sync, existing items are linked instead of duplicated; CRM id stamped', () => {
    const cells: SyncCell[] = [
      { kind: 'crm-only', crm: crmItem('c5', { ...BASE, emails: ['Ann@X.ch'] }) },
      { kind: 'remote-only', remote: remoteItem('r.vcf', { ...BASE, emails: ['ann@x.ch'] }) },
    ];
    const plan = planRun(cells, planCtx('one-way', { initial: true }));
    const a = plan.actions[0]?.action;
    expect(plan.actions).toHaveLength(1);
    expect(a?.kind).toBe('relink');
    if (a?.kind !== 'relink') return;
    expect(a.matchedBy).toBe('email');
    expect(a.writeCrm).toBeNull(); // one-way never writes the CRM
    expect(a.writeRemote).toEqual({ ...BASE, emails: ['Ann@X.ch'] });
  });

  it('M1 two-way relink without base: policy decides differing fields', () => {
    const cells: SyncCell[] = [
      { kind: 'crm-only', crm: crmItem('c5', { title: 'crm', tags: ['a'] }) },
      { kind: 'remote-only', remote: remoteItem('r.ics', { title: 'remote', tags: ['b'] }, '"r1"', 'c5') },
    ];
    const a = planRun(cells, planCtx('two-way', { conflictPolicy: 'remote-wins' })).actions[0]?.action;
    expect(a?.kind === 'relink' && a.merged).toEqual({ title: 'remote', tags: ['b'] });
  });

  it('ambiguous matches are reported and neither linked nor created (M1)', () => {
    const f = { title: 'Call', start: 1000 };
    const cells: SyncCell[] = [
      { kind: 'crm-only', crm: crmItem('c1', f) },
      { kind: 'crm-only', crm: crmItem('c2', f) },
      { kind: 'remote-only', remote: remoteItem('r1.ics', f) },
    ];
    const plan = planRun(cells, planCtx('two-way', { initial: true }, 'calendar'));
    expect(plan.actions.map((a) => a.action.kind)).toEqual(['report', 'report', 'report']);
    expect(plan.actions.every((a) => a.action.kind === 'report' && a.action.reason === 'ambiguous-match')).toBe(true);
  });

  it('an unlinked copy of an already linked record is a duplicate: reported, not imported', () => {
    const cells: SyncCell[] = [linkedCell('unchanged', 'unchanged'), { kind: 'remote-only', remote: remoteItem('copy.ics', BASE, '"x"', 'c1') }];
    const a = planRun(cells, planCtx('two-way')).actions[1]?.action;
    expect(a?.kind === 'report' && a.reason).toBe('duplicate-copy');
  });

  it('an unlinked item carrying an unknown CRM id is reported, not imported', () => {
    const cells: SyncCell[] = [{ kind: 'remote-only', remote: remoteItem('x.ics', BASE, '"x"', 'gone') }];
    const a = planRun(cells, planCtx('two-way')).actions[0]?.action;
    expect(a?.kind === 'report' && a.reason).toBe('unknown-crm-id');
  });
});

describe('matchInitial (M1)', () => {
  const keys = defaultMatchKeys('contacts');

  it('tiers in order: our id, then UID, then e-mail, phone, name', () => {
    const crm = [
      crmItem('c1', { givenName: 'Ann', familyName: 'Muster' }),
      crmItem('c2', { emails: [{ type: 'business', value: 'bob@x.ch' }] }, 1, 'U2'),
      crmItem('c3', { phones: ['+41 44 123 45 67'] }),
      crmItem('c4', { givenName: 'Zoë', familyName: 'Keller' }),
      crmItem('c5', { givenName: 'Uid', familyName: 'Person' }, 1, 'UID-5'),
    ];
    const remote = [
      remoteItem('r1', { givenName: 'Someone', familyName: 'Else' }, '"1"', 'c1'),
      remoteItem('r2', { emails: ['BOB@x.ch'] }),
      remoteItem('r3', { phones: [{ value: '044 123 45 67' }] }),
      remoteItem('r4', { givenName: 'zoe', familyName: 'KELLER' }),
      remoteItem('r5', {}, '"1"', null, 'UID-5'),
    ];
    const m = matchInitial(crm, remote, keys);
    expect(m.pairs.map((p) => [p.crm.id, p.remote.href, p.tier])).toEqual([
      ['c1', 'r1', 'crm-id'],
      ['c5', 'r5', 'uid'],
      ['c2', 'r2', 'email'],
      ['c3', 'r3', 'phone'],
      ['c4', 'r4', 'name'],
    ]);
    expect(m.ambiguous).toEqual([]);
  });

  it('one-to-one only: two remote candidates → ambiguous, no weaker tier tried', () => {
    const crm = [crmItem('c1', { emails: ['a@x'], givenName: 'A', familyName: 'B' })];
    const remote = [remoteItem('r1', { emails: ['a@x'] }), remoteItem('r2', { emails: ['a@x'], givenName: 'A', familyName: 'B' })];
    const m = matchInitial(crm, remote, keys);
    expect(m.pairs).toEqual([]);
    expect(m.ambiguous).toEqual([
      { side: 'crm', id: 'c1', tier: 'email', candidates: ['r1', 'r2'] },
    ]);
    expect(m.unmatchedCrm).toEqual([]);
  });

  it('a contact with two e-mails pointing at two different items is ambiguous', () => {
    const crm = [crmItem('c1', { emails: ['a@x', 'b@x'] })];
    const remote = [remoteItem('r1', { emails: ['a@x'] }), remoteItem('r2', { emails: ['b@x'] })];
    expect(matchInitial(crm, remote, keys).pairs).toEqual([]);
  });

  it('two e-mails pointing at the same item still match', () => {
    const crm = [crmItem('c1', { emails: ['a@x', 'b@x'] })];
    const remote = [remoteItem('r1', { emails: ['b@x', 'a@x'] })];
    expect(matchInitial(crm, remote, keys).pairs).toHaveLength(1);
  });

  it('appointments: title + start', () => {
    const k = defaultMatchKeys('calendar');
    const crm = [crmItem('c1', { title: 'Team Call', timing: { allDay: false, start: 1000, end: 2000, timeZone: 'Europe/Zurich' } })];
    const remote = [
      remoteItem('r0', { title: 'Team Call', timing: { allDay: false, start: 5000, end: 6000, timeZone: 'UTC' } }),
      remoteItem('r1', { title: 'team call', timing: { allDay: false, start: 1000, end: 2000, timeZone: 'UTC' } }),
    ];
    const m = matchInitial(crm, remote, k);
    expect(m.pairs.map((p) => p.remote.href)).toEqual(['r1']);
    expect(m.unmatchedRemote.map((r) => r.href)).toEqual(['r0']);
  });

  it('normalisers', () => {
    expect(normaliseName('  Müller-Lüdenscheidt,  Hans ')).toBe('muller ludenscheidt hans');
    expect(normalisePhone('+41 44 123 45 67')).toBe(normalisePhone('0041 (0)44 123 45 67'.replace('(0)', '')));
    expect(normalisePhone('123')).toBe('');
  });
});

describe('buildCells', () => {
  it('joins links, CRM records and listing; X6 an unlisted href is not-listed, explicit evidence is deleted', () => {
    const link = linkFor('c1', 'c1.ics');
    const obs = {
      links: [link, linkFor('c2', 'c2.ics')],
      crm: [
        { item: crmItem('c1', BASE), leaving: null },
        { item: crmItem('c3', BASE), leaving: null },
        { item: crmItem('c4', BASE), leaving: 'unticked' as const },
      ],
      remote: [remoteItem('c1.ics', BASE, '"r1"', 'c1'), remoteItem('new.ics', BASE)],
      remoteDeleted: new Map(),
    };
    const windowed = buildCells(obs);
    expect(windowed.map((c) => c.kind)).toEqual(['linked', 'linked', 'crm-only', 'remote-only']);
    const c2 = windowed[1];
    expect(c2?.kind === 'linked' && [c2.crm.state, c2.remote.state]).toEqual(['left-set', 'not-listed']);
    const told = buildCells({ ...obs, remoteDeleted: new Map([['c2.ics', 'sync-collection-404' as const]]) });
    const c2c = told[1];
    expect(c2c?.kind === 'linked' && c2c.remote).toEqual({ state: 'deleted', evidence: 'sync-collection-404' });
  });
});
