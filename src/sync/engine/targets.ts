// Remote accounts ("targets") a user connects (issue 4 item 1; SPEC A2, A3, D1, H3). Credentials
// are checked on entry by discovering the account, stored encrypted, and never returned.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { conflict, invalid, notFound } from '../../domain/errors.js';
import { UNITS, type Unit } from '../../domain/records.js';
import type { CrmContext } from '../../crm/context.js';
import { inTransaction } from '../../crm/context.js';
import type { Keyring } from '../../security/keyring.js';
import type { TargetsTable } from '../../store/schema.js';
import { createCalDavConnector, type AttendeeDirectory } from '../../connectors/caldav/index.js';
import { RemoteError, type Connector, type RemoteCollection } from '../../connectors/types.js';
import { ZERO_COUNTS, type ChannelMode } from './channels.js';
import { clearLinks } from './links.js';

export type TargetKind = 'caldav';
export type TargetStatus = 'active' | 'auth-failed';

/** A target as shown to users: never its credentials (A2). */
export interface Target {
  id: string;
  userId: string;
  kind: TargetKind;
  label: string;
  url: string;
  username: string;
  status: TargetStatus;
  statusReason: string | null;
  createdAt: number;
}

export interface TargetSecret { password: string }

function rowToTarget(r: Selectable<TargetsTable>): Target {
  return {
    id: r.id, userId: r.user_id, kind: r.kind as TargetKind, label: r.label, url: r.url, username: r.username,
    status: r.status as TargetStatus, statusReason: r.status_reason, createdAt: Number(r.created_at),
  };
}

/** A3: one remote account, one user. Host and path case-normalised, trailing slash ignored. */
export function accountKey(url: string, username: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}|${username.toLowerCase()}`;
}

export type ConnectorFactory = (target: Target, secret: TargetSecret, directory?: AttendeeDirectory) => Connector;

export const defaultConnectorFactory: ConnectorFactory = (target, secret, directory) => {
  switch (target.kind) {
    case 'caldav':
      return createCalDavConnector({ url: target.url, username: target.username, password: secret.password, directory });
    default: {
      const never: never = target.kind;
      throw new Error(`unknown target kind ${String(never)}`);
    }
  }
};

export interface AddTargetInput {
  userId: string;
  url: string;
  username: string;
  password: string;
  label?: string;
  /** Remote collection per unit; when omitted, the account's only collection of that unit is taken. */
  collections?: Partial<Record<Unit, string>>;
  /** D1 per unit; default two-way for units with a collection. */
  modes?: Partial<Record<Unit, ChannelMode>>;
  intervalMs?: number;
}

export interface AddTargetResult { target: Target; collections: RemoteCollection[]; bound: Partial<Record<Unit, string>> }

function pickCollections(found: RemoteCollection[], wanted: Partial<Record<Unit, string>> | undefined): Partial<Record<Unit, string>> {
  const bound: Partial<Record<Unit, string>> = {};
  for (const unit of UNITS) {
    const chosen = wanted?.[unit];
    if (chosen) {
      const match = found.find((c) => c.ref === chosen || new URL(c.ref, 'http://x').pathname === new URL(chosen, 'http://x').pathname);
      if (!match) throw invalid(`${unit}: the account has no collection ${chosen}`, [{ path: `collections.${unit}`, message: 'not found on the account' }]);
      if (!match.units.includes(unit)) throw invalid(`${unit}: ${chosen} cannot hold ${unit}`, [{ path: `collections.${unit}`, message: 'wrong kind of collection' }]);
      bound[unit] = match.ref;
      continue;
    }
    const candidates = found.filter((c) => c.units.includes(unit));
    if (candidates.length === 1) bound[unit] = candidates[0]!.ref;
    else if (candidates.length > 1 && wanted === undefined) {
      throw invalid(`the account has ${candidates.length} collections for ${unit}; choose one (${candidates.map((c) => c.ref).join(', ')})`,
        [{ path: `collections.${unit}`, message: 'ambiguous' }]);
    }
  }
  if (Object.keys(bound).length === 0) throw invalid('the account offers no address book, calendar or task list', [{ path: 'url', message: 'no collections' }]);
  return bound;
}

/**
 * Connects an account: checks the credentials by discovery (A2), binds one collection per unit,
 * refuses an account already bound to any user (A3), stores the password encrypted.
 */
export async function addTarget(ctx: CrmContext, keyring: Keyring, input: AddTargetInput, factory: ConnectorFactory = defaultConnectorFactory): Promise<AddTargetResult> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw invalid(`not a URL: ${input.url}`, [{ path: 'url', message: 'invalid URL' }]);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('the URL must be http or https', [{ path: 'url', message: 'scheme' }]);
  const key = accountKey(url.href, input.username);
  if (await ctx.db.selectFrom('targets').select('id').where('account_key', '=', key).executeTakeFirst()) {
    throw conflict('this remote account is already connected (one account belongs to one user, A3)');
  }
  const now = ctx.now();
  const draft: Target = {
    id: randomUUID(), userId: input.userId, kind: 'caldav', label: input.label ?? url.host, url: url.href,
    username: input.username, status: 'active', statusReason: null, createdAt: now,
  };
  let found: RemoteCollection[];
  try {
    found = await factory(draft, { password: input.password }).discover();
  } catch (e) {
    if (e instanceof RemoteError && e.kind === 'auth') throw invalid('the account rejected these credentials', [{ path: 'password', message: 'rejected by the server' }]);
    if (e instanceof RemoteError) throw invalid(`the account could not be reached: ${e.message}`, [{ path: 'url', message: e.kind }]);
    throw e;
  }
  const bound = pickCollections(found, input.collections);
  await inTransaction(ctx, async (tx) => {
    await tx.db.insertInto('targets').values({
      id: draft.id, user_id: draft.userId, kind: draft.kind, label: draft.label, url: draft.url, username: draft.username,
      secret_enc: keyring.encrypt(JSON.stringify({ password: input.password } satisfies TargetSecret)), account_key: key,
      status: 'active', status_reason: null, created_at: now, updated_at: now,
    }).execute();
    for (const unit of UNITS) {
      const collection = bound[unit];
      if (!collection) continue;
      await tx.db.insertInto('channels').values({
        id: randomUUID(), target_id: draft.id, user_id: draft.userId, unit, remote_collection: collection,
        mode: input.modes?.[unit] ?? 'two-way', conflict_policy: 'merge', contact_deletion: 'untick', automatic: 1,
        interval_ms: input.intervalMs ?? 15 * 60_000, batch_size: 500, crm_revision: null, remote_cursor: null,
        status: 'idle', status_reason: null, consecutive_failures: 0, next_run_at: now, last_run_at: null,
        last_success_at: null, progress_done: 0, progress_total: 0, counts: JSON.stringify(ZERO_COUNTS),
        pending_trigger: null, confirm_deletion: 0, lock_owner: null, lock_until: null, run_checkpoint: null, created_at: now, updated_at: now,
      }).execute();
    }
  });
  return { target: draft, collections: found, bound };
}

export async function getTarget(ctx: CrmContext, id: string): Promise<Target> {
  const r = await ctx.db.selectFrom('targets').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('target', id);
  return rowToTarget(r);
}

export async function listTargets(ctx: CrmContext, userId?: string): Promise<Target[]> {
  let q = ctx.db.selectFrom('targets').selectAll();
  if (userId) q = q.where('user_id', '=', userId);
  return (await q.orderBy('created_at').execute()).map(rowToTarget);
}

export async function targetSecret(ctx: CrmContext, keyring: Keyring, id: string): Promise<TargetSecret> {
  const r = await ctx.db.selectFrom('targets').select('secret_enc').where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('target', id);
  return JSON.parse(keyring.decrypt(r.secret_enc)) as TargetSecret;
}

export async function setTargetStatus(ctx: CrmContext, id: string, status: TargetStatus, reason: string | null): Promise<void> {
  await ctx.db.updateTable('targets').set({ status, status_reason: reason, updated_at: ctx.now() }).where('id', '=', id).execute();
}

/** Stores new credentials (after "sign in again") and lets the channels run again. */
export async function updateTargetPassword(ctx: CrmContext, keyring: Keyring, id: string, password: string, factory: ConnectorFactory = defaultConnectorFactory): Promise<void> {
  const target = await getTarget(ctx, id);
  try {
    await factory(target, { password }).discover();
  } catch (e) {
    if (e instanceof RemoteError && e.kind === 'auth') throw invalid('the account rejected these credentials', [{ path: 'password', message: 'rejected by the server' }]);
    throw e;
  }
  await inTransaction(ctx, async (tx) => {
    await tx.db.updateTable('targets').set({ secret_enc: keyring.encrypt(JSON.stringify({ password })), status: 'active', status_reason: null, updated_at: tx.now() })
      .where('id', '=', id).execute();
    await tx.db.updateTable('channels').set({ status: 'idle', status_reason: null, consecutive_failures: 0, next_run_at: tx.now() })
      .where('target_id', '=', id).where('status', '=', 'auth-failed').execute();
  });
}

/** Removes the target, its channels, links and history. Copies on the account are left as they are. */
export async function removeTarget(ctx: CrmContext, id: string): Promise<void> {
  const res = await ctx.db.deleteFrom('targets').where('id', '=', id).executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw notFound('target', id);
}

/**
 * H3: clears the target's sync state (links, cursors, failures). The next run matches the items
 * already on the account to CRM records (M1) instead of duplicating them.
 */
export async function resetTarget(ctx: CrmContext, id: string): Promise<void> {
  await getTarget(ctx, id);
  await inTransaction(ctx, async (tx) => {
    const channels = await tx.db.selectFrom('channels').select('id').where('target_id', '=', id).execute();
    for (const c of channels) await clearLinks(tx, c.id);
    await tx.db.updateTable('channels').set({
      crm_revision: null, remote_cursor: null, status: 'idle', status_reason: null, consecutive_failures: 0,
      next_run_at: tx.now(), progress_done: 0, progress_total: 0, counts: JSON.stringify(ZERO_COUNTS), run_checkpoint: null, updated_at: tx.now(),
    }).where('target_id', '=', id).execute();
  });
}
