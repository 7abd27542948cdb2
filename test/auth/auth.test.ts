// Authentication (issue 2 item 6): API tokens stored hashed and revocable, password sessions
// with a safe cookie, disabled users rejected, guessing slowed down, secrets kept out of logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../src/auth/limiter.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../../src/auth/tokens.js';
import { updateUser } from '../../src/crm/users.js';
import type { User } from '../../src/domain/records.js';
import { dialects } from '../helpers/databases.js';
import { createTestServer, type TestServer } from '../api/helpers.js';

const DIALECTS = await dialects();

describe.each(DIALECTS)('authentication on %s', (dialect) => {
  let t: TestServer;
  let alice: { user: User; auth: { authorization: string } };
  beforeAll(async () => {
    t = await createTestServer(dialect);
    alice = await t.userWithToken({ username: 'alice', password: 'alice-password' });
  });
  afterAll(async () => { await t.close(); });

  const me = (headers: Record<string, string>) => t.server.inject({ method: 'GET', url: '/api/me', headers });
  const login = (username: string, password: string) =>
    t.server.inject({ method: 'POST', url: '/api/login', payload: { username, password }, remoteAddress: '10.0.0.7' });

  it('issues tokens shown once, stores only their hash, and revokes them', async () => {
    const { id, token } = await createApiToken(t.app.crm, alice.user.id, 'ci-import');
    expect(token).toMatch(/^cst_[A-Za-z0-9_-]{43}$/);
    const stored = await t.app.crm.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token.slice(4));
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);

    const ok = await me({ authorization: `Bearer ${token}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ user: { username: 'alice' }, via: 'token' });
    expect((await listApiTokens(t.app.crm, alice.user.id)).find((x) => x.id === id)?.lastUsedAt).toBe(t.clock.now);

    await expect(createApiToken(t.app.crm, alice.user.id, 'ci-import')).rejects.toThrow(/already exists/);
    const revoked = await revokeApiToken(t.app.crm, 'ci-import', alice.user.id);
    expect(revoked).toMatchObject({ id, revokedAt: t.clock.now });
    const denied = await me({ authorization: `Bearer ${token}` });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Bearer realm="crmsync", error="invalid_token"');
    expect(denied.headers['content-type']).toContain('application/problem+json');
  });

  it('manages own tokens over the API', async () => {
    const created = await t.server.inject({ method: 'POST', url: '/api/tokens', headers: alice.auth, payload: { name: 'laptop' } });
    expect(created.statusCode).toBe(201);
    const list = await t.server.inject({ method: 'GET', url: '/api/tokens', headers: alice.auth });
    expect(list.json().items.map((x: { name: string }) => x.name)).toContain('laptop');
    expect(JSON.stringify(list.json())).not.toContain(created.json().token);
    const del = await t.server.inject({ method: 'DELETE', url: `/api/tokens/${created.json().id}`, headers: t.adminAuth });
    expect(del.statusCode).toBe(404); // not the admin's token
    expect((await t.server.inject({ method: 'DELETE', url: `/api/tokens/${created.json().id}`, headers: alice.auth })).json().revokedAt).not.toBeNull();
  });

  it('rejects missing and malformed credentials with 401 and WWW-Authenticate', async () => {
    const none = await me({});
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="crmsync"');
    expect((await me({ authorization: 'Bearer cst_nope' })).statusCode).toBe(401);
    expect((await me({ authorization: 'Basic YWxpY2U6eA==' })).statusCode).toBe(401);
    expect((await me({ cookie: 'crmsync_session=forged' })).statusCode).toBe(401);
  });

  it('signs in with a password into an HttpOnly SameSite=Lax session and signs out', async () => {
    const res = await login('alice', 'alice-password');
    expect(res.statusCode).toBe(200);
    expect(res.json().user.username).toBe('alice');
    expect(JSON.stringify(res.json())).not.toContain('password');
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^crmsync_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);
    const cookie = setCookie.split(';')[0]!;
    const stored = await t.app.crm.db.selectFrom('sessions').select('id_hash').execute();
    expect(stored.map((s) => s.id_hash)).not.toContain(cookie.split('=')[1]);

    const viaCookie = await me({ cookie });
    expect(viaCookie.json()).toMatchObject({ user: { username: 'alice' }, via: 'session' });
    const write = await t.server.inject({ method: 'POST', url: '/api/contacts', headers: { cookie }, payload: { givenName: 'Via', familyName: 'Session' } });
    expect(write.statusCode).toBe(201);

    const out = await t.server.inject({ method: 'POST', url: '/api/logout', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await me({ cookie })).statusCode).toBe(401);
  });

  it('expires sessions after 12 hours', async () => {
    const cookie = String((await login('alice', 'alice-password')).headers['set-cookie']).split(';')[0]!;
    t.clock.now += 12 * 3_600_000 - 1000;
    expect((await me({ cookie })).statusCode).toBe(200);
    t.clock.now += 2000;
    expect((await me({ cookie })).statusCode).toBe(401);
  });

  it('rejects wrong passwords, unknown users and disabled users', async () => {
    const wrong = await login('alice', 'not-her-password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().detail).toBe('wrong username or password, or the account is disabled');
    expect((await login('nobody', 'whatever-password')).statusCode).toBe(401);
    const missing = await t.server.inject({ method: 'POST', url: '/api/login', payload: { username: 'alice' } });
    expect(missing.json().errors[0].path).toBe('password');

    const eve = await t.userWithToken({ username: 'eve', password: 'eve-password' });
    const cookie = String((await login('eve', 'eve-password')).headers['set-cookie']).split(';')[0]!;
    await updateUser(t.app.crm, eve.user.id, { disabled: true });
    expect((await login('eve', 'eve-password')).statusCode).toBe(401);
    expect((await me(eve.auth)).statusCode).toBe(401);
    expect((await me({ cookie })).statusCode).toBe(401);
  });

  it('answers 429 with Retry-After after 10 failures in 15 minutes', async () => {
    await t.userWithToken({ username: 'frank', password: 'frank-password' });
    for (let i = 0; i < 10; i++) expect((await login('frank', `guess-${i}`)).statusCode).toBe(401);
    const blocked = await login('frank', 'frank-password');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBe(15 * 60);
    // Another address is not blocked by this one's failures.
    const elsewhere = await t.server.inject({ method: 'POST', url: '/api/login', payload: { username: 'frank', password: 'frank-password' }, remoteAddress: '10.0.0.8' });
    expect(elsewhere.statusCode).toBe(200);
    t.clock.now += 15 * 60_000 + 1000;
    expect((await login('frank', 'frank-password')).statusCode).toBe(200);
  });

  it('never writes a password to the log', async () => {
    const secret = 'Very-Secret-Passw0rd!';
    await login('alice', secret);
    await t.server.inject({ method: 'POST', url: '/api/login', payload: { username: 'alice', password: secret, extra: 1 } });
    await t.server.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload: `{"username":"alice","password":"${secret}"` });
    t.app.logger.info({ password: secret, body: { password: secret }, req: { headers: { authorization: `Bearer ${secret}` } } }, 'probe');
    const out = t.logs.join('');
    expect(out).toContain('"probe"');
    expect(out).toContain('/api/login');
    expect(out).not.toContain(secret);
  });
});

describe('LoginLimiter', () => {
  it('delays exponentially and blocks past the limit until the window moves', () => {
    const clock = { now: 0 };
    const limiter = new LoginLimiter({ now: () => clock.now, baseDelayMs: 100, maxDelayMs: 1000, maxFailures: 3, windowMs: 60_000 });
    expect([limiter.fail('k'), limiter.fail('k'), limiter.fail('k')]).toEqual([100, 200, 400]);
    expect(limiter.retryAfterSeconds('k')).toBe(60);
    clock.now = 30_000;
    expect(limiter.retryAfterSeconds('k')).toBe(30);
    clock.now = 60_001;
    expect(limiter.retryAfterSeconds('k')).toBe(0);
    limiter.fail('k');
    limiter.succeed('k');
    expect(limiter.retryAfterSeconds('k')).toBe(0);
    expect(limiter.retryAfterSeconds('other')).toBe(0);
  });
});
