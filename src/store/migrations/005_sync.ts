import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../db.js';

// Remote targets, sync channels, item links, per-item history and run log (issue 4; SPEC H1–H3, L3, A2, A3).
export function m005Sync(dialect: DialectName): Migration {
  const serial = (t: ReturnType<Kysely<any>['schema']['createTable']>) => dialect === 'postgres'
    ? t.addColumn('id', 'bigserial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('targets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        /** AES-256-GCM ciphertext of the credentials (A2); never returned. */
        .addColumn('secret_enc', 'text', (c) => c.notNull())
        /** A3: one remote account belongs to one user. */
        .addColumn('account_key', 'text', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('targets_user').on('targets').column('user_id').execute();

      await db.schema.createTable('channels')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('target_id', 'text', (c) => c.notNull().references('targets.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('remote_collection', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('conflict_policy', 'text', (c) => c.notNull())
        .addColumn('contact_deletion', 'text', (c) => c.notNull())
        .addColumn('automatic', 'integer', (c) => c.notNull())
        .addColumn('interval_ms', 'bigint', (c) => c.notNull())
        .addColumn('batch_size', 'integer', (c) => c.notNull())
        /** Position in the user's CRM collection (per-user set revision) already synced. */
        .addColumn('crm_revision', 'bigint')
        /** The connector's cursor (sync-token, ctag, delta link). */
        .addColumn('remote_cursor', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
        .addColumn('next_run_at', 'bigint')
        .addColumn('last_run_at', 'bigint')
        .addColumn('last_success_at', 'bigint')
        .addColumn('progress_done', 'integer', (c) => c.notNull())
        .addColumn('progress_total', 'integer', (c) => c.notNull())
        .addColumn('counts', 'text', (c) => c.notNull())
        /** "Sync now" asked for a manual run (D2, L3: it also resumes a suspended channel). */
        .addColumn('pending_trigger', 'text')
        /** X6: the user confirmed the mass deletion the guard paused on. */
        .addColumn('confirm_deletion', 'integer', (c) => c.notNull().defaultTo(0))
        /** Run lease: never two runs of one channel at once, whoever starts them (O2, CLI). */
        .addColumn('lock_owner', 'text')
        .addColumn('lock_until', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('channels_target_unit', ['target_id', 'unit'])
        .execute();

      await db.schema.createTable('sync_links')
        .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('crm_id', 'text', (c) => c.notNull())
        .addColumn('remote_href', 'text', (c) => c.notNull())
        .addColumn('remote_uid', 'text', (c) => c.notNull())
        .addColumn('remote_version', 'text', (c) => c.notNull())
        .addColumn('crm_version', 'integer', (c) => c.notNull())
        .addColumn('crm_hash', 'text', (c) => c.notNull())
        .addColumn('remote_hash', 'text', (c) => c.notNull())
        .addColumn('base', 'text')
        .addPrimaryKeyConstraint('sync_links_pk', ['channel_id', 'crm_id'])
        .addUniqueConstraint('sync_links_href', ['channel_id', 'remote_href'])
        .execute();

      await serial(db.schema.createTable('sync_events'))
        .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('run_id', 'bigint')
        .addColumn('crm_id', 'text')
        .addColumn('remote_href', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sync_events_item').on('sync_events').columns(['crm_id', 'id']).execute();
      await db.schema.createIndex('sync_events_channel').on('sync_events').columns(['channel_id', 'id']).execute();

      await serial(db.schema.createTable('sync_runs'))
        .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id').onDelete('cascade'))
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('counts', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('sync_runs_channel').on('sync_runs').columns(['channel_id', 'id']).execute();
    },
  };
}
