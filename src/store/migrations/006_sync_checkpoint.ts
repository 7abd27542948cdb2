import type { Kysely, Migration } from 'kysely';

// Where a continuing sync run stands between its batches (issue 4 item 6, L1): the cursors up to
// which the run has handled everything, and the key of the last new CRM item it took. JSON, read
// and written by src/sync/engine/channels.ts only (RunCheckpoint); null when no run is under way.
export function m006SyncCheckpoint(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('channels').addColumn('run_checkpoint', 'text').execute();
    },
  };
}
