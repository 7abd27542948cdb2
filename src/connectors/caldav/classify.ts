// HTTP outcome → RemoteError (SPEC L4, L5). One table for every request the connector makes, so
// the engine reacts the same way to the same failure whatever the method:
//  - network failure, timeout, 429, 5xx (but 501/505)  → 'transient', honouring Retry-After (L4)
//  - 401, or 403 on the account or a collection       → 'auth' ("sign in again", L4)
//  - 4xx on one item (400, 403, 409, 413, 415, 422)   → 'rejected-item' (L5: skip it, keep going)
//  - 404 → 'not-found', 412 → 'precondition', anything else → 'fatal'.
// Messages carry method, path, status and the server's DAV precondition names; never the
// credentials, the query string or the request body.
import { RemoteError } from '../types.js';

/** What a request was about: the 403 and 4xx rows depend on it. */
export type Scope = 'account' | 'collection' | 'item';

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date; null when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

const TRANSIENT_4XX = new Set([408, 425, 429]);
const ITEM_REJECTED = new Set([400, 403, 409, 413, 415, 422]);

export interface Failure {
  method: string;
  url: string;
  status: number;
  headers: Headers;
  /** Response body, for the DAV precondition / short text it may hold. */
  body: string;
}

export function classifyStatus(f: Failure, scope: Scope): RemoteError {
  const { status } = f;
  const message = `${f.method} ${pathOf(f.url)}: ${status}${detail(f.body)}`;
  const make = (kind: RemoteError['kind'], retryAfter: number | null = null) => new RemoteError(kind, message, retryAfter, status);
  if (TRANSIENT_4XX.has(status) || (status >= 500 && status !== 501 && status !== 505)) {
    return make('transient', retryAfterSeconds(f.headers.get('retry-after')));
  }
  if (status === 401) return make('auth');
  if (status === 404 || status === 410) return make('not-found');
  if (status === 412) return make('precondition');
  if (status === 403 && scope !== 'item') return make('auth');
  if (scope === 'item' && ITEM_REJECTED.has(status)) return make('rejected-item');
  return make('fatal');
}

/** fetch() threw: the connection failed, was dropped, or our timeout fired (L4: all transient). */
export function classifyNetworkError(method: string, url: string, err: unknown, timeoutMs: number): RemoteError {
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError') return new RemoteError('transient', `${method} ${pathOf(url)}: no answer within ${timeoutMs} ms`);
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : '';
  const what = code || (cause instanceof Error ? cause.message : 'network error');
  return new RemoteError('transient', `${method} ${pathOf(url)}: ${what}`);
}

/** Host and path only: no userinfo, no query (which could hold tokens). */
export function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * RFC 4918 §16: a DAV:error body names the failed precondition (e.g. CALDAV:valid-calendar-data,
 * DAV:valid-sync-token); a plain-text body is shown in short. Markup is never echoed whole.
 */
function detail(body: string): string {
  const text = body.trim();
  if (!text) return '';
  if (text.startsWith('<')) {
    const root = /<(?:[\w.-]+:)?error[\s>]/.exec(text);
    if (!root) return '';
    const names = [...text.slice(root.index).matchAll(/<(?:[\w.-]+:)?([\w.-]+)[^>]*\/?>/g)].map((m) => m[1]).filter((n) => n !== 'error');
    return names.length ? ` (${[...new Set(names)].join(', ')})` : '';
  }
  return ` (${text.replace(/\s+/g, ' ').slice(0, 200)})`;
}
