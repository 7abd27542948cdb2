// L4/L5 classification and canonical refs, without a server.
import { describe, expect, it } from 'vitest';
import { classifyNetworkError, classifyStatus, retryAfterSeconds, type Scope } from '../../src/connectors/caldav/classify.js';
import { canonicalUrl, isMemberOf, memberUrl } from '../../src/connectors/caldav/hrefs.js';

const failure = (status: number, headers: Record<string, string> = {}, body = '') =>
  ({ method: 'PUT', url: 'https://user:secret@dav.example.com/cal/x.ics?token=abc', status, headers: new Headers(headers), body });

describe('retryAfterSeconds (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it('reads delay-seconds and HTTP dates', () => {
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30);
    expect(retryAfterSeconds('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds('soon', now)).toBeNull();
    expect(retryAfterSeconds(null, now)).toBeNull();
  });
});

describe('classifyStatus', () => {
  const cases: Array<[number, Scope, string]> = [
    [429, 'item', 'transient'], [500, 'collection', 'transient'], [502, 'item', 'transient'], [503, 'account', 'transient'],
    [504, 'collection', 'transient'], [501, 'collection', 'fatal'], [401, 'item', 'auth'], [403, 'account', 'auth'],
    [403, 'collection', 'auth'], [403, 'item', 'rejected-item'], [400, 'item', 'rejected-item'], [415, 'item', 'rejected-item'],
    [422, 'item', 'rejected-item'], [409, 'item', 'rejected-item'], [400, 'collection', 'fatal'], [404, 'item', 'not-found'],
    [412, 'item', 'precondition'], [507, 'item', 'transient'],
  ];
  it.each(cases)('%i on %s → %s', (status, scope, kind) => {
    expect(classifyStatus(failure(status), scope).kind).toBe(kind);
  });

  it('keeps Retry-After and the DAV precondition, never credentials or the query', () => {
    const e = classifyStatus(failure(503, { 'retry-after': '7' }), 'item');
    expect(e).toMatchObject({ kind: 'transient', retryAfterSeconds: 7, status: 503 });
    const rejected = classifyStatus(failure(403, {}, '<?xml version="1.0"?><D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:valid-calendar-data/></D:error>'), 'item');
    expect(rejected.message).toBe('PUT dav.example.com/cal/x.ics: 403 (valid-calendar-data)');
    expect(rejected.message).not.toMatch(/secret|token/);
  });

  it('network failures and timeouts are transient', () => {
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(classifyNetworkError('GET', 'http://h/a', timeout, 500)).toMatchObject({ kind: 'transient', message: 'GET h/a: no answer within 500 ms' });
    const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    expect(classifyNetworkError('GET', 'http://h/a', reset, 500)).toMatchObject({ kind: 'transient', message: 'GET h/a: ECONNRESET' });
  });
});

describe('canonical refs', () => {
  it('spells percent-encoding one way', () => {
    expect(canonicalUrl('/a/b%40c.vcf', 'http://h/')).toBe(canonicalUrl('http://h/a/b@c.vcf', 'http://x/'));
    expect(canonicalUrl('x%2fy.ics?q=1#f', 'http://h/cal/')).toBe('http://h/cal/x%2Fy.ics');
  });
  it('derives create refs from the key and tells members apart', () => {
    const ref = memberUrl('http://h/cal/', 'a b/c', 'ics');
    expect(ref).toBe('http://h/cal/crmsync-a%20b%2Fc.ics');
    expect(isMemberOf(ref, 'http://h/cal/')).toBe(true);
    expect(isMemberOf('http://h/cal/', 'http://h/cal/')).toBe(false);
    expect(isMemberOf('http://h/cal/sub/x.ics', 'http://h/cal/')).toBe(false);
    expect(isMemberOf('http://h/cal/sub/', 'http://h/cal/')).toBe(false);
  });
});
