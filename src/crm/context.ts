import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import type { DialectName } from '../store/db.js';

/** What every CRM operation runs against: a database handle (maybe a transaction) and a clock. */
export interface CrmContext {
  readonly db: Kysely<DB>;
  readonly dialect: DialectName;
  readonly now: () => number;
}

/** Runs `fn` in one transaction: a failed request writes nothing (issue 2, bad input). */
export async function inTransaction<T>(ctx: CrmContext, fn: (tx: CrmContext) => Promise<T>): Promise<T> {
  if (ctx.db.isTransaction) return fn(ctx);
  return ctx.db.transaction().execute((trx) => fn({ ...ctx, db: trx }));
}

/** Large IN lists and multi-row inserts are cut into pieces the drivers accept. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
