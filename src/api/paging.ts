// Keyset paging over lists the store returns whole (users, groups, departments: small tables).
import { decodeCursor, encodeCursor, type Page } from '../crm/paging.js';

export function pageInMemory<T>(items: readonly T[], key: (t: T) => [string, string], limit: number, cursor?: string): Page<T> {
  const sorted = [...items].sort((a, b) => {
    const [ka, ia] = key(a);
    const [kb, ib] = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : ia < ib ? -1 : ia > ib ? 1 : 0;
  });
  let start = 0;
  if (cursor) {
    const [k, id] = decodeCursor(cursor, 2) as [string, string];
    start = sorted.findIndex((t) => { const [kt, it] = key(t); return kt > k || (kt === k && it > id); });
    if (start < 0) start = sorted.length;
  }
  const slice = sorted.slice(start, start + limit);
  const last = slice[slice.length - 1];
  return { items: slice, nextCursor: last && start + limit < sorted.length ? encodeCursor(key(last)) : null };
}
