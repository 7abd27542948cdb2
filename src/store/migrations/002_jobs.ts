import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db.js';

// The job table of the SQL queue (src/jobs/sqlQueue.ts): sync runs on the app's own store (O1).
// A key has at most one pending and at most one running job; the two partial unique indexes
// are what makes "never two runs of one key at once" hold even between racing processes (O2).
export function m002Jobs(_dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('run_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_pending_key').on('jobs').columns(['name', 'key']).unique()
        .where(sql.ref('status'), '=', sql.lit('pending')).execute();
      await db.schema.createIndex('jobs_running_key').on('jobs').columns(['name', 'key']).unique()
        .where(sql.ref('status'), '=', sql.lit('running')).execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();
    },
  };
}
