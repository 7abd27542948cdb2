// An in-memory remote account behind the Connector interface: the engine benchmark's "engine
// alone" remote, and the test double for fault injection. It keeps the protocol promises the
// engine relies on: versions change on every write, writes are conditional, deletions are
// reported explicitly by a token-based delta (like RFC 6578), and a forgotten token fails with
// 'cursor-invalid'.
import { RemoteError, type ChangeSet, type Connector, type FetchResult, type RemoteCollection, type RemoteRef, type UnitPayload } from '../types.js';
import type { Unit } from '../../domain/records.js';

/**
 * A deep copy, so that the account never shares objects with its callers (a real account keeps
 * its own bytes). Payloads are JSON-like records; this walk is several times cheaper than
 * `structuredClone` (which serialises), the main cost of the account in the engine benchmark.
 * Anything else (a Date, say) is left to structuredClone.
 */
function copyOf<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyOf) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) out[k] = copyOf((value as Record<string, unknown>)[k]);
  return out as T;
}

export interface MemoryItem { ref: string; version: string; uid: string; crmId: string | null; payload: UnitPayload; extras: string[] }

export class MemoryAccount {
  readonly collections = new Map<string, { units: Unit[]; items: Map<string, MemoryItem>; log: { seq: number; ref: string }[] }>();
  private seq = 0;
  /** Called before every request; throw a RemoteError here to inject faults. */
  fault: ((op: string, ref: string | null) => void) | null = null;

  constructor(collections: Record<string, Unit[]>) {
    for (const [ref, units] of Object.entries(collections)) this.collections.set(ref, { units, items: new Map(), log: [] });
  }

  col(ref: string) {
    const c = this.collections.get(ref);
    if (!c) throw new RemoteError('not-found', `no collection ${ref}`, null, 404);
    return c;
  }

  /** A write by another client (a phone, the web UI of the server). */
  put(collection: string, item: Omit<MemoryItem, 'version'>): MemoryItem {
    const c = this.col(collection);
    const stored = { ...item, version: `v${++this.seq}` };
    c.items.set(item.ref, stored);
    c.log.push({ seq: this.seq, ref: item.ref });
    return stored;
  }

  remove(collection: string, ref: string): void {
    const c = this.col(collection);
    c.items.delete(ref);
    c.log.push({ seq: ++this.seq, ref });
  }

  /** Changes the version without changing the content (ETag churn). */
  churn(collection: string, ref: string): void {
    const item = this.col(collection).items.get(ref);
    if (item) this.put(collection, item);
  }

  /** Forgets the change log before now: older tokens become invalid. */
  forgetTokens(collection: string): void {
    this.col(collection).log = [];
    this.floor.set(collection, this.seq);
  }

  private readonly floor = new Map<string, number>();

  connector(): Connector {
    const check = (op: string, ref: string | null) => this.fault?.(op, ref);
    return {
      discover: async (): Promise<RemoteCollection[]> => {
        check('discover', null);
        return [...this.collections].map(([ref, c]) => ({ ref, displayName: ref, units: c.units }));
      },
      changes: async (collection, _unit, cursor): Promise<ChangeSet> => {
        check('changes', collection);
        const c = this.col(collection);
        const token = String(this.seq);
        if (cursor === null) return { kind: 'delta', changed: [...c.items.values()].map((i) => ({ ref: i.ref, version: i.version })), deleted: [], cursor: token };
        const since = Number(cursor);
        if (!Number.isInteger(since) || since < (this.floor.get(collection) ?? 0)) throw new RemoteError('cursor-invalid', 'sync token expired', null, 403);
        // The log is in seq order: start at the first entry after the token (a delta costs the
        // changes since, not the log, as a sync-collection REPORT should).
        let lo = 0;
        let hi = c.log.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (c.log[mid]!.seq > since) hi = mid;
          else lo = mid + 1;
        }
        const touched = new Set<string>();
        for (let i = lo; i < c.log.length; i++) touched.add(c.log[i]!.ref);
        const changed: RemoteRef[] = [];
        const deleted: string[] = [];
        for (const ref of touched) {
          const item = c.items.get(ref);
          if (item) changed.push({ ref, version: item.version });
          else deleted.push(ref);
        }
        return { kind: 'delta', changed, deleted, cursor: token };
      },
      fetch: async (collection, _unit, refs): Promise<FetchResult> => {
        check('fetch', collection);
        const c = this.col(collection);
        const items = refs.flatMap((ref) => {
          const i = c.items.get(ref);
          return i ? [{ ref, version: i.version, uid: i.uid, crmId: i.crmId, payload: copyOf(i.payload), raw: i.extras }] : [];
        });
        return { items, skipped: [] };
      },
      create: async (collection, key, uid, crmId, payload) => {
        const ref = `${collection}crmsync-${key}`;
        check('create', ref);
        const existing = this.col(collection).items.get(ref);
        if (existing) return { ref, version: existing.version, existed: true };
        const stored = this.put(collection, { ref, uid, crmId, payload: copyOf(payload), extras: [] });
        return { ref, version: stored.version, existed: false };
      },
      update: async (collection, item, payload) => {
        check('update', item.ref);
        const current = this.col(collection).items.get(item.ref);
        if (!current) throw new RemoteError('not-found', `${item.ref} is gone`, null, 404);
        if (current.version !== item.version) throw new RemoteError('precondition', `${item.ref} changed`, null, 412);
        const stored = this.put(collection, { ref: item.ref, uid: item.uid, crmId: item.crmId, payload: copyOf(payload), extras: current.extras });
        return { ref: item.ref, version: stored.version };
      },
      delete: async (collection, item) => {
        check('delete', item.ref);
        const current = this.col(collection).items.get(item.ref);
        if (!current) return;
        if (current.version !== item.version) throw new RemoteError('precondition', `${item.ref} changed`, null, 412);
        this.remove(collection, item.ref);
      },
    };
  }
}
