import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mergeFields, mergeLists } from '../../src/sync/decide/merge.js';
import { applyFieldLimits, cutToLimit, isTruncationOf, remoteAsSeenByCrm } from '../../src/sync/decide/limits.js';
import { fieldsEqual, hashFields } from '../../src/sync/model/fields.js';
import { classifyCrm, classifyRemote } from '../../src/sync/model/state.js';
import { BASE, crmItem, linkFor, remoteItem } from './fixtures.js';

describe('mergeFields (C1)', () => {
  const base = { title: 'T', note: 'N', location: 'L', tags: ['a', 'b'] };

  it('a field changed on one side only travels, whatever the policy', () => {
    for (const policy of ['crm-wins', 'remote-wins', 'merge'] as const) {
      const r = mergeFields(base, { ...base, title: 'T2' }, { ...base, note: 'N2' }, policy);
      expect(r.merged).toEqual({ ...base, title: 'T2', note: 'N2' });
      expect(r.conflictingFields).toEqual([]);
      expect(r.resolutions).toEqual([
        { field: 'note', outcome: 'remote-changed' },
        { field: 'title', outcome: 'crm-changed' },
      ]);
    }
  });

  it('the policy applies only to fields changed on both sides', () => {
    const crm = { ...base, title: 'crm', note: 'N-crm' };
    const remote = { ...base, title: 'remote', location: 'L-remote' };
    expect(mergeFields(base, crm, remote, 'crm-wins').merged).toEqual({ ...base, title: 'crm', note: 'N-crm', location: 'L-remote' });
    expect(mergeFields(base, crm, remote, 'remote-wins').merged).toEqual({ ...base, title: 'remote', note: 'N-crm', location: 'L-remote' });
    expect(mergeFields(base, crm, remote, 'merge').conflictingFields).toEqual(['title']);
  });

  it("'merge' merges lists three-way: both sides' additions kept, removals applied", () => {
    const r = mergeFields(base, { ...base, tags: ['a', 'b', 'c'] }, { ...base, tags: ['b', 'd'] }, 'merge');
    expect(r.merged['tags']).toEqual(['b', 'c', 'd']);
    expect(r.resolutions).toEqual([{ field: 'tags', outcome: 'both-changed', takenFrom: 'list-merge' }]);
  });

  it("'merge' keeps the CRM's value for a scalar changed on both sides (leading system)", () => {
    expect(mergeFields(base, { ...base, title: 'c' }, { ...base, title: 'r' }, 'merge').merged['title']).toBe('c');
  });

  it('equal changes on both sides are no conflict', () => {
    const r = mergeFields(base, { ...base, title: 'x' }, { ...base, title: 'x' }, 'remote-wins');
    expect(r.conflictingFields).toEqual([]);
    expect(r.resolutions).toEqual([]);
  });

  it('a missing key equals null; a clear on one side travels (F3)', () => {
    expect(mergeFields(base, base, { title: 'T', note: 'N', tags: ['a', 'b'] }, 'crm-wins').merged['location']).toBeNull();
  });

  it('without a base every difference counts as changed on both sides', () => {
    const r = mergeFields(null, { title: 'c', tags: ['x'] }, { title: 'r', tags: ['y'] }, 'merge');
    expect(r.merged).toEqual({ title: 'c', tags: ['x', 'y'] });
    expect(r.conflictingFields).toEqual(['tags', 'title']);
  });

  it('lists of objects compare by content', () => {
    const a = { type: 'business', value: 'a@x' };
    expect(mergeLists([], [a], [{ value: 'a@x', type: 'business' }])).toEqual([a]);
  });

  it('property: merge is the identity when one side did not change', () => {
    const map = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(null)));
    fc.assert(fc.property(map, map, fc.constantFrom('crm-wins', 'remote-wins', 'merge' as const), (b, changed, policy) => {
      expect(fieldsEqual(mergeFields(b, b, changed, policy).merged, changed)).toBe(true);
      expect(fieldsEqual(mergeFields(b, changed, b, policy).merged, changed)).toBe(true);
    }));
  });
});

describe('field limits (F2)', () => {
  it('cuts by code points, never inside a surrogate pair', () => {
    expect(cutToLimit('😀😀😀', 2)).toBe('😀😀');
    expect(cutToLimit('short', 150)).toBe('short');
  });

  it('applyFieldLimits cuts only string fields with a limit', () => {
    expect(applyFieldLimits({ title: 'abcdef', note: 'abcdef', n: 5 }, { title: 3, n: 1 })).toEqual({ title: 'abc', note: 'abcdef', n: 5 });
  });

  it('isTruncationOf', () => {
    const long = 'x'.repeat(151);
    expect(isTruncationOf('x'.repeat(150), long, 150)).toBe(true);
    expect(isTruncationOf('x'.repeat(150), 'x'.repeat(150), 150)).toBe(false); // equal, not cut
    expect(isTruncationOf('ab', 'ab cd', 3)).toBe(true); // "ab " trimmed
    expect(isTruncationOf('abc', 'abXd', 3)).toBe(false);
    expect(isTruncationOf(null, long, 150)).toBe(false);
  });

  it('remoteAsSeenByCrm restores the original for a cut value, keeps real edits and clears', () => {
    const rules = { remoteLimits: { title: 3 }, remoteCannotHold: ['photo'] };
    expect(remoteAsSeenByCrm({ title: 'abc', note: '' }, { title: 'abcdef', note: 'n', photo: 'p' }, null, rules))
      .toEqual({ title: 'abcdef', note: '', photo: 'p' });
    expect(remoteAsSeenByCrm({ title: 'xyz' }, { title: 'abcdef' }, null, rules)).toEqual({ title: 'xyz' });
    // The CRM moved on; the target still holds the cut of the base: that is the base, no remote change.
    expect(remoteAsSeenByCrm({ title: 'abc' }, { title: 'zzzzzz' }, { title: 'abcdef' }, rules)).toEqual({ title: 'abcdef' });
  });
});

describe('classification: a change needs both a new version and a new hash', () => {
  const link = linkFor();

  it('remote ETag churn (new version, same content) is unchanged', () => {
    const s = classifyRemote(link, { kind: 'listed', version: '"r9"', item: remoteItem('c1.ics', BASE, '"r9"') });
    expect(s.state).toBe('unchanged');
  });

  it('remote new version and new content is changed', () => {
    expect(classifyRemote(link, { kind: 'listed', version: '"r9"', item: remoteItem('c1.ics', { x: 1 }, '"r9"') }).state).toBe('changed');
  });

  it('remote same version needs no content', () => {
    expect(classifyRemote(link, { kind: 'listed', version: '"r1"', item: null }).state).toBe('unchanged');
  });

  it('remote new version without content is a caller bug', () => {
    expect(() => classifyRemote(link, { kind: 'listed', version: '"r2"', item: null })).toThrow(/fetched/);
  });

  it('X6 not listed stays not-listed; explicit deletion is deleted', () => {
    expect(classifyRemote(link, { kind: 'not-listed' }).state).toBe('not-listed');
    expect(classifyRemote(link, { kind: 'deleted', evidence: 'graph-removed' })).toEqual({ state: 'deleted', evidence: 'graph-removed' });
  });

  it('CRM version bump without content change (echo of our own write) is unchanged', () => {
    expect(classifyCrm(link, { present: true, item: crmItem('c1', BASE, 7), leaving: null }).state).toBe('unchanged');
    expect(classifyCrm(link, { present: true, item: crmItem('c1', { x: 1 }, 7), leaving: null }).state).toBe('changed');
  });

  it('CRM left-set keeps the reason; absent is hard-absent', () => {
    expect(classifyCrm(link, { present: true, item: crmItem('c1', BASE), leaving: 'archived' })).toMatchObject({ state: 'left-set', reason: 'archived' });
    expect(classifyCrm(link, { present: false })).toEqual({ state: 'left-set', reason: 'hard-absent' });
  });

  it('hashFields ignores key order and null members', () => {
    expect(hashFields({ a: 1, b: null, c: { y: 1, x: 2 } })).toBe(hashFields({ c: { x: 2, y: 1 }, a: 1 }));
  });
});
