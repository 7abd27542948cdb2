// PostgreSQL session advisory locks, one per running job key (O2: never two runs of one key at
// once). A lock lives on its own pooled connection for the whole run, so it is held exactly as
// long as the worker is alive: a killed worker's connection closes and the server frees it.
import type pg from 'pg';

export interface HeldLock {
  /** False once the connection that holds the lock broke: the lock may already be someone else's. */
  readonly alive: boolean;
  release(): Promise<void>;
}

export async function tryLock(pool: pg.Pool, name: string): Promise<HeldLock | null> {
  const client = await pool.connect();
  let alive = true;
  const onError = (): void => {
    alive = false;
  };
  client.on('error', onError);
  const done = (err?: Error): void => {
    client.off('error', onError);
    client.release(err);
  };
  try {
    const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as ok', [name]);
    if (!r.rows[0]?.ok) {
      done();
      return null;
    }
  } catch (e) {
    done(e as Error);
    throw e;
  }
  return {
    get alive() {
      return alive;
    },
    async release() {
      try {
        await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [name]);
        done();
      } catch (e) {
        done(e as Error); // a destroyed connection frees the lock as well
      }
    },
  };
}
