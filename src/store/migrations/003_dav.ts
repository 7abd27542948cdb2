import type { Kysely, Migration } from 'kysely';

// Devices (SPEC A1) and the DAV server's per-collection resource names and kept properties.
export function m003Dav(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('user_agent', 'text')
        /** Optional per-device app password (argon2id); the user's password works too. */
        .addColumn('app_password_hash', 'text')
        .addColumn('first_seen', 'bigint', (c) => c.notNull())
        .addColumn('last_seen', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addUniqueConstraint('devices_user_name', ['user_id', 'name'])
        .execute();

      // A device chooses the name of what it creates (PUT /.../calendar/ABC.ics); the CRM's own
      // items are served as <id>.ics. Names are per collection: the same item may sit under
      // another name in a colleague's view.
      await db.schema.createTable('dav_resources')
        .addColumn('collection_id', 'text', (c) => c.notNull().references('collections.id').onDelete('cascade'))
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        /** JSON string[]: properties the CRM has no field for (X- props, alarms, Apple labels), served back unchanged. */
        .addColumn('extras', 'text')
        .addColumn('extras_rev', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('dav_resources_pk', ['collection_id', 'item_id'])
        .addUniqueConstraint('dav_resources_name', ['collection_id', 'name'])
        .execute();
    },
  };
}
