import { type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db.js';

// Epoch-ms columns are BIGINT (PostgreSQL's INTEGER is 32-bit; SQLite's affinity is the same).
export function m001Foundation(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('departments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema.createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('password_hash', 'text')
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('department_id', 'text', (c) => c.references('departments.id').onDelete('set null'))
        .addColumn('rights', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema.createTable('groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('group_members')
        .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema.createIndex('group_members_user').on('group_members').column('user_id').execute();

      await db.schema.createTable('contacts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('external_id', 'text', (c) => c.unique())
        .addColumn('uid', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('category', 'text')
        .addColumn('responsible_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('contacts_display_name').on('contacts').column('display_name').execute();
      await db.schema.createIndex('contacts_updated').on('contacts').column('updated_at').execute();
      await db.schema.createTable('contact_tags')
        .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('contact_tags_pk', ['contact_id', 'tag'])
        .execute();
      await db.schema.createIndex('contact_tags_tag').on('contact_tags').column('tag').execute();
      await db.schema.createTable('contact_ticks')
        .addColumn('contact_id', 'text', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('contact_ticks_pk', ['contact_id', 'user_id'])
        .execute();
      await db.schema.createIndex('contact_ticks_user').on('contact_ticks').column('user_id').execute();

      await db.schema.createTable('appointments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('external_id', 'text', (c) => c.unique())
        .addColumn('uid', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('private', 'integer', (c) => c.notNull())
        .addColumn('organizer_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('start_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_end_ms', 'bigint')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('appointments_start').on('appointments').column('start_ms').execute();
      await db.schema.createIndex('appointments_last_end').on('appointments').column('last_end_ms').execute();
      await db.schema.createTable('appointment_participants')
        .addColumn('appointment_id', 'text', (c) => c.notNull().references('appointments.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ref_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('appointment_participants_pk', ['appointment_id', 'kind', 'ref_id'])
        .execute();
      await db.schema.createIndex('appointment_participants_ref').on('appointment_participants').columns(['kind', 'ref_id']).execute();

      await db.schema.createTable('tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('external_id', 'text', (c) => c.unique())
        .addColumn('uid', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('due_ms', 'bigint')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createTable('task_responsibles')
        .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('task_responsibles_pk', ['task_id', 'user_id'])
        .execute();
      await db.schema.createIndex('task_responsibles_user').on('task_responsibles').column('user_id').execute();

      await db.schema.createTable('calendar_shares')
        .addColumn('owner_user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('viewer_user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('calendar_shares_pk', ['owner_user_id', 'viewer_user_id'])
        .execute();

      await db.schema.createTable('collections')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('owner_user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .addColumn('min_revision', 'bigint', (c) => c.notNull())
        .addColumn('props', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('collections_user_unit_owner', ['user_id', 'unit', 'owner_user_id'])
        .execute();
      await db.schema.createTable('collection_members')
        .addColumn('collection_id', 'text', (c) => c.notNull().references('collections.id').onDelete('cascade'))
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('collection_members_pk', ['collection_id', 'item_id'])
        .execute();
      // Item -> collections, for "which sets hold this record" on every write.
      await db.schema.createIndex('collection_members_item').on('collection_members').column('item_id').execute();
      await db.schema.createTable('collection_changes')
        .addColumn('collection_id', 'text', (c) => c.notNull().references('collections.id').onDelete('cascade'))
        .addColumn('revision', 'bigint', (c) => c.notNull())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('op', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('collection_changes_pk', ['collection_id', 'revision'])
        .execute();

      const journalId = dialect === 'postgres'
        ? db.schema.createTable('journal').addColumn('id', 'bigserial', (c) => c.primaryKey())
        : db.schema.createTable('journal').addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
      await journalId
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('author_kind', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text')
        .addColumn('author_label', 'text', (c) => c.notNull())
        .addColumn('record_kind', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('subject_user_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('before', 'text')
        .addColumn('after', 'text')
        .addColumn('undo_of', 'bigint')
        .addColumn('undone_by', 'bigint')
        .execute();
      await db.schema.createIndex('journal_record').on('journal').columns(['record_kind', 'record_id']).execute();
      await db.schema.createIndex('journal_author_kind').on('journal').columns(['author_kind', 'id']).execute();

      await db.schema.createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();

      await db.schema.createTable('webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret_enc', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint')
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();

      await db.schema.createTable('settings_kv')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
