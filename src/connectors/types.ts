// What the sync engine needs from a remote account, whatever its protocol (CalDAV/CardDAV now,
// Microsoft Graph and Google later). The engine sees opaque refs, versions and cursors plus
// records in the CRM's own shape; everything protocol-specific stays behind this interface.
import type { Appointment, Contact, Task, Unit } from '../domain/records.js';

/** The synced projection of a record: the CRM record minus identity, bookkeeping and CRM-only fields. */
export type SyncedContact = Omit<Contact, 'id' | 'externalId' | 'uid' | 'createdAt' | 'updatedAt' | 'version' | 'archived' | 'responsibleUserId'>;
export type SyncedAppointment = Omit<Appointment, 'id' | 'externalId' | 'uid' | 'createdAt' | 'updatedAt' | 'version' | 'organizerUserId' | 'linkedContactIds'>;
export type SyncedTask = Omit<Task, 'id' | 'externalId' | 'uid' | 'createdAt' | 'updatedAt' | 'version' | 'responsibleUserIds' | 'linkedContactIds'>;

export type UnitPayload =
  | { unit: 'contacts'; record: SyncedContact }
  | { unit: 'calendar'; record: SyncedAppointment }
  | { unit: 'tasks'; record: SyncedTask };

/** A remote collection the user can bind to a unit (address book, event calendar, task list). */
export interface RemoteCollection {
  ref: string;
  displayName: string;
  /** Units it can hold: an address book holds contacts; a calendar may hold events, tasks or both. */
  units: Unit[];
}

/** A remote item's identity and version, as listed. */
export interface RemoteRef { ref: string; version: string }

export interface RemoteItem extends RemoteRef {
  uid: string | null;
  /** The CRM id we wrote into the item (X-CRMSYNC-ID), if any: the first key of initial matching (M1). */
  crmId: string | null;
  payload: UnitPayload;
  /**
   * Opaque, connector-owned original (e.g. the vCard text) handed back on update, so properties
   * the CRM has no field for survive a round trip.
   */
  raw: unknown;
}

/** A listed item that is not one of the unit's records. */
export interface SkippedItem extends RemoteRef {
  /** Why, for the item's sync history and the run log (L5). */
  reason: string;
  /**
   * true: an item of another unit sharing the collection (an event in a calendar that also holds
   * the tasks): not this channel's business, ignore it. false: unreadable (L5: skip with reason).
   */
  otherUnit: boolean;
}

export interface FetchResult {
  items: RemoteItem[];
  skipped: SkippedItem[];
}

export type ChangeSet =
  /** Incremental: what changed since the cursor, with deletions the server states explicitly (X6). */
  | { kind: 'delta'; changed: RemoteRef[]; deleted: string[]; cursor: string }
  /** Full listing (no usable cursor): absence from it is NOT a deletion by itself (X6). */
  | { kind: 'full'; items: RemoteRef[]; cursor: string | null };

/** Typed failures the engine reacts to (L4, M2, cursor invalidation). */
export class RemoteError extends Error {
  constructor(
    readonly kind: 'transient' | 'auth' | 'precondition' | 'not-found' | 'cursor-invalid' | 'rejected-item' | 'fatal',
    message: string,
    /** Seconds to wait, from Retry-After (L4). */
    readonly retryAfterSeconds: number | null = null,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

export interface Connector {
  /** Checks the credentials (A2) and lists the collections the account offers. */
  discover(): Promise<RemoteCollection[]>;
  /** Changes since `cursor` (null: first run). Throws RemoteError('cursor-invalid') when the server forgot it. */
  changes(collection: string, unit: Unit, cursor: string | null): Promise<ChangeSet>;
  /** Reads items; refs in neither list of the result are gone since they were listed. */
  fetch(collection: string, unit: Unit, refs: readonly string[]): Promise<FetchResult>;
  /**
   * Creates an item at a ref derived from `key` only if nothing is there yet (M2: a retried
   * create finds its earlier copy instead of making a second one).
   */
  create(collection: string, key: string, uid: string, crmId: string, payload: UnitPayload): Promise<RemoteRef & { existed: boolean }>;
  /** Overwrites only if the item is still at `version` (else RemoteError 'precondition'). */
  update(collection: string, item: RemoteRef & { raw: unknown; uid: string; crmId: string }, payload: UnitPayload): Promise<RemoteRef>;
  /** Deletes only if the item is still at `version`; an item already gone is success. */
  delete(collection: string, item: RemoteRef): Promise<void>;
}
