// One migration set for both databases (issue 2 "Store"). Migrations are append-only: a
// released one is never edited; a change is a new entry in MIGRATIONS.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName } from './db.js';
import { m001Foundation } from './migrations/001_foundation.js';
import { m002Jobs } from './migrations/002_jobs.js';
import { m003Dav } from './migrations/003_dav.js';
import { m005Sync } from './migrations/005_sync.js';
import { m006SyncCheckpoint } from './migrations/006_sync_checkpoint.js';

type MigrationFactory = (dialect: DialectName) => Migration;

const MIGRATIONS: Record<string, MigrationFactory> = {
  '001_foundation': m001Foundation,
  '002_jobs': m002Jobs,
  '003_dav': m003Dav,
  '005_sync': m005Sync,
  '006_sync_checkpoint': m006SyncCheckpoint,
};

class CodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(MIGRATIONS).map(([name, make]) => [name, make(this.dialect)]));
  }
}

export async function migrateToLatest(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const migrator = new Migrator({ db, provider: new CodeMigrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const reason = error instanceof Error ? error.message : String(error ?? 'unknown error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${reason}`);
  }
}
