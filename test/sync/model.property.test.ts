// Model-based test of plan + apply, in the spirit of vdirsyncer's Hypothesis state machine: random
// creates, edits, leaves and deletes on an in-memory CRM and an in-memory target with flaky ETags,
// windowed listings and crashes between a create and storing its link, with sync runs in between.
// Then two full runs: the first converges, the second plans no writes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planRun, type Plan, type PlanContext, type SyncMode } from '../../src/sync/decide/plan.js';
import { writesData } from '../../src/sync/decide/actions.js';
import { applyFieldLimits, isTruncationOf } from '../../src/sync/decide/limits.js';
import type { ConflictPolicy } from '../../src/sync/decide/merge.js';
import { fieldsEqual, type FieldMap } from '../../src/sync/model/fields.js';
import {
  applyPlanInMemory, MemoryCrm, MemoryLinks, MemoryRemote, observeWorld, type MemoryWorld,
} from '../../src/sync/model/memory.js';
import { planCtx } from './fixtures.js';

const TITLE_LIMIT = 8;
const RULES = { remoteLimits: { title: TITLE_LIMIT }, remoteCannotHold: ['photo'] };

const title = fc.string({ maxLength: 12 });
const note = fc.constantFrom('', 'n1', 'n2', 'n3');
const tags = fc.subarray(['a', 'b', 'customer']);
const photo = fc.constantFrom(null, 'P1', 'P2');
const crmFields = fc.record({ title, note, tags, photo });
const remoteFields = fc.record({ title: fc.string({ maxLength: TITLE_LIMIT }), note, tags });
const crmPatch = fc.record({ title, note, tags, photo }, { requiredKeys: [] });
const remotePatch = fc.record({ title: fc.string({ maxLength: TITLE_LIMIT }), note, tags, photo }, { requiredKeys: [] });
const pick = fc.nat(50);

type Op =
  | { op: 'crmCreate'; fields: FieldMap }
  | { op: 'crmEdit'; pick: number; patch: FieldMap }
  | { op: 'crmLeave'; pick: number; reason: 'unticked' | 'archived' }
  | { op: 'crmReturn'; pick: number }
  | { op: 'crmHardDelete'; pick: number }
  | { op: 'remoteCreate'; fields: FieldMap }
  | { op: 'remoteEdit'; pick: number; patch: FieldMap }
  | { op: 'remoteDelete'; pick: number }
  | { op: 'remoteChurn'; pick: number }
  | { op: 'sync'; hidden: number[]; loseLink: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('crmCreate' as const), fields: crmFields }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('crmEdit' as const), pick, patch: crmPatch }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('crmLeave' as const), pick, reason: fc.constantFrom('unticked' as const, 'archived' as const) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('crmReturn' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('crmHardDelete' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('remoteCreate' as const), fields: remoteFields }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('remoteEdit' as const), pick, patch: remotePatch }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('remoteDelete' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('remoteChurn' as const), pick }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('sync' as const), hidden: fc.array(pick, { maxLength: 3 }), loseLink: fc.boolean() }), weight: 3 },
);

function nth<T>(xs: Iterable<T>, i: number): T | undefined {
  const arr = [...xs];
  return arr.length === 0 ? undefined : arr[i % arr.length];
}

function context(mode: SyncMode, policy: ConflictPolicy): PlanContext {
  return planCtx(mode, {
    conflictPolicy: policy,
    confirmMassDeletion: true,
    fieldRules: RULES,
    factsOf: () => ({ unit: 'contacts' }),
    // I1 stand-in: only items tagged 'customer' may enter the CRM.
    importRule: (r) =>
      Array.isArray(r.fields['tags']) && r.fields['tags'].includes('customer')
        ? { accept: true, assign: { kind: 'contactCategory', category: 'customer' } }
        : { accept: false, reason: 'no customer tag' },
  });
}

function newWorld(): MemoryWorld {
  return { crm: new MemoryCrm(), remote: new MemoryRemote({ limits: RULES.remoteLimits, cannotHold: RULES.remoteCannotHold }), links: new MemoryLinks() };
}

/** One sync run with invariants that hold after every run. */
function runSync(world: MemoryWorld, ctx: PlanContext, opts: { hidden?: Set<string>; loseLink?: boolean } = {}): Plan {
  const before = new Set(world.crm.records.keys());
  const journalFrom = world.crm.journal.length;
  const plan = planRun(observeWorld(world, { notListed: opts.hidden ?? new Set() }), ctx);
  let lost = false;
  applyPlanInMemory(plan, world, {
    loseLinkAfterCreate: () => (opts.loseLink && !lost ? (lost = true) : false),
  });
  // X5: sync never hard-deletes a CRM record.
  for (const id of before) expect(world.crm.records.has(id)).toBe(true);
  // No duplicate links (MemoryLinks also refuses a second link to one href) and no duplicate copies.
  const hrefs = world.links.all().map((l) => l.remoteHref);
  expect(new Set(hrefs).size).toBe(hrefs.length);
  const stamped = [...world.remote.items.values()].map((r) => r.crmId).filter((id) => id !== null);
  expect(new Set(stamped).size).toBe(stamped.length);
  for (const e of world.crm.journal.slice(journalFrom)) {
    if (e.by === 'user' || !e.before) continue;
    // F3: the target cannot hold photos, so sync never changes (let alone clears) the CRM's photo.
    expect(e.after.fields['photo'] ?? null).toEqual(e.before.fields['photo'] ?? null);
    // F2: a cut value coming back never overwrites the longer original.
    expect(isTruncationOf(e.after.fields['title'], e.before.fields['title'], TITLE_LIMIT)).toBe(false);
  }
  if (ctx.mode === 'one-way') {
    expect(world.crm.journal.every((e) => e.by === 'user')).toBe(true); // D3: the CRM is never written
  }
  return plan;
}

function applyOp(world: MemoryWorld, op: Op, ctx: PlanContext): void {
  const { crm, remote } = world;
  switch (op.op) {
    case 'crmCreate':
      crm.create(op.fields);
      return;
    case 'crmEdit': {
      const r = nth(crm.records.values(), op.pick);
      if (r) crm.write(r.id, null, { patch: op.patch }, 'user');
      return;
    }
    case 'crmLeave': {
      const r = nth(crm.records.values(), op.pick);
      if (r) crm.write(r.id, null, { leaving: op.reason }, 'user');
      return;
    }
    case 'crmReturn': {
      const r = nth([...crm.records.values()].filter((x) => x.leaving !== null), op.pick);
      if (r) crm.write(r.id, null, { leaving: null }, 'user');
      return;
    }
    case 'crmHardDelete': {
      const r = nth(crm.records.values(), op.pick);
      if (r) crm.hardDeleteByUser(r.id);
      return;
    }
    case 'remoteCreate':
      remote.createByUser(op.fields);
      return;
    case 'remoteEdit': {
      const r = nth(remote.items.keys(), op.pick);
      if (r) remote.editByUser(r, op.patch);
      return;
    }
    case 'remoteDelete': {
      const r = nth(remote.items.keys(), op.pick);
      if (r) remote.delete(r, null);
      return;
    }
    case 'remoteChurn': {
      const r = nth(remote.items.keys(), op.pick);
      if (r) remote.churn(r);
      return;
    }
    case 'sync': {
      const keys = [...remote.items.keys()];
      const hidden = new Set(op.hidden.map((i) => keys[i % Math.max(1, keys.length)]).filter((k): k is string => k !== undefined));
      runSync(world, ctx, { hidden, loseLink: op.loseLink });
      return;
    }
  }
}

function expectedOnTarget(fields: FieldMap): FieldMap {
  const { photo: _photo, ...rest } = applyFieldLimits(fields, RULES.remoteLimits);
  return rest;
}

function checkConverged(world: MemoryWorld, mode: SyncMode, last: Plan): void {
  expect(last.status).toBe('ready');
  // A second run plans nothing but noops (and reports of items deliberately left alone).
  const writes = last.actions.filter((a) => writesData(a.action) || a.action.kind === 'updateLink' || a.action.kind === 'forgetLink');
  expect(writes.map((a) => `${a.cell} → ${a.action.kind}`)).toEqual([]);
  const links = world.links.byCrmId;
  for (const rec of world.crm.records.values()) {
    const link = links.get(rec.id);
    if (rec.leaving !== null) {
      expect(link).toBeUndefined(); // X4: no copy of a record outside the set stays linked
      continue;
    }
    expect(link, `record ${rec.id} has a link`).toBeDefined();
    const copy = link && world.remote.items.get(link.remoteHref);
    expect(copy, `record ${rec.id} has a copy`).toBeDefined();
    // Both sides equal, up to the target's limits (F2) and fields it cannot hold (F3).
    expect(fieldsEqual(copy!.fields, expectedOnTarget(rec.fields))).toBe(true);
  }
  const reported = new Set(last.actions.flatMap((a) => (a.action.kind === 'report' ? [a.action.subject.remoteHref] : [])));
  const linkedHrefs = new Set([...links.values()].map((l) => l.remoteHref));
  for (const href of world.remote.items.keys()) {
    // Every item on the target is either a linked copy or left alone and reported.
    expect(linkedHrefs.has(href) || reported.has(href), `target item ${href} is linked or reported`).toBe(true);
  }
  for (const l of links.values()) expect(world.crm.records.get(l.crmId)?.leaving).toBeNull();
  if (mode === 'one-way') {
    for (const a of last.actions) if (a.action.kind === 'report') expect(['remote-created-in-one-way', 'unknown-crm-id', 'duplicate-copy']).toContain(a.action.reason);
  }
}

describe('model-based: plan + apply converge (vdirsyncer-style state machine)', () => {
  for (const mode of ['two-way', 'one-way'] as const) {
    it(`${mode}: random edits on both sides, flaky ETags, windowed listings, lost links`, () => {
      fc.assert(
        fc.property(
          fc.array(crmFields, { minLength: 1, maxLength: 4 }),
          fc.array(remoteFields, { maxLength: 2 }),
          fc.array(opArb, { minLength: 5, maxLength: 40 }),
          fc.constantFrom<ConflictPolicy>('merge', 'crm-wins', 'remote-wins'),
          (seedCrm, seedRemote, ops, policy) => {
          const world = newWorld();
          const ctx = context(mode, policy);
          // A synced starting point, so that the random edits hit linked items.
          for (const f of seedCrm) world.crm.create(f);
          for (const f of seedRemote) world.remote.createByUser(f);
          runSync(world, ctx, { loseLink: false });
          for (const op of ops) applyOp(world, op, ctx);
          runSync(world, ctx); // full listing: converge
          const second = runSync(world, ctx);
          checkConverged(world, mode, second);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('ETag churn alone plans nothing', () => {
    const world = newWorld();
    const ctx = context('two-way', 'merge');
    world.crm.create({ title: 'A long title here', note: 'n1', tags: [], photo: 'P1' });
    runSync(world, ctx);
    for (const href of world.remote.items.keys()) world.remote.churn(href);
    const plan = runSync(world, ctx);
    expect(plan.actions.map((a) => a.action.kind)).toEqual(['noop']);
  });

  it('a paused plan applies nothing', () => {
    const world = newWorld();
    const ctx = { ...context('two-way', 'merge'), confirmMassDeletion: false };
    for (let i = 0; i < 10; i++) world.crm.create({ title: `t${i}`, note: '', tags: [], photo: null });
    runSync(world, ctx);
    for (const href of [...world.remote.items.keys()]) world.remote.delete(href, null);
    const plan = runSync(world, ctx);
    expect(plan.status).toBe('paused');
    expect([...world.crm.records.values()].every((r) => r.leaving === null)).toBe(true);
    expect(world.links.all()).toHaveLength(10);
  });
});
