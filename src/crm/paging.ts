// Keyset paging: stable under concurrent inserts, O(page) at any depth, unlike OFFSET.
import { invalid } from '../domain/errors.js';

export interface Page<T> { items: T[]; nextCursor: string | null }

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === arity && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v;
  } catch { /* fall through */ }
  throw invalid('cursor is not one this server issued', [{ path: 'cursor', message: 'malformed' }]);
}
