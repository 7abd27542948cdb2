// CalDAV/CardDAV login (SPEC A1; RFC 7617 Basic): `username_device=NAME` (URL-encoded forms
// decoded) or a plain username (device "default"), with the user's password or the device's
// app password. Every request re-reads the user and device rows (two indexed look-ups), so a
// disabled user or a revoked device is refused at once; only the argon2 check itself is cached,
// keyed by a hash of the credentials and bound to the stored hash it matched, so a password
// change invalidates it by construction, in every process.
import { createHash } from 'node:crypto';
import { verifyNothing, verifyPassword } from '../auth/passwords.js';
import { LoginLimiter } from '../auth/limiter.js';
import type { CrmContext } from '../crm/context.js';
import { findUserByName } from '../crm/users.js';
import type { Author } from '../domain/authors.js';
import type { User } from '../domain/records.js';
import type { DavLimits } from './config.js';
import { DEFAULT_DEVICE, DEVICE_NAME, deviceForLogin, findDeviceByName, touchDevice } from './devices.js';

export interface DavIdentity {
  readonly user: User;
  readonly device: { readonly id: string; readonly name: string };
  /** X5: changes made over DAV are journaled with the device as author. */
  readonly author: Author;
}

export type AuthResult =
  | { readonly ok: true; readonly identity: DavIdentity }
  | { readonly ok: false; readonly status: 401 }
  | { readonly ok: false; readonly status: 429; readonly retryAfterSeconds: number };

export interface Credentials { username: string; deviceName: string; password: string }

/** Reads a Basic Authorization header into login name, device and password; null when unusable. */
export function parseBasic(header: string | undefined): Credentials | null {
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  let login = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (login.includes('%')) {
    try {
      login = decodeURIComponent(login); // clients that URL-encode "=" (alice_device%3DiPhone)
    } catch {
      return null;
    }
  }
  const at = login.lastIndexOf('_device=');
  if (at < 0) return { username: login, deviceName: DEFAULT_DEVICE, password };
  const deviceName = login.slice(at + '_device='.length);
  if (!DEVICE_NAME.test(deviceName)) return null;
  return { username: login.slice(0, at), deviceName, password };
}

interface CachedCheck { expires: number; matchedHash: string }

const CACHE_MAX = 10_000;

export class DavAuthenticator {
  private readonly checks = new Map<string, CachedCheck>();

  constructor(
    private readonly ctx: CrmContext,
    private readonly limits: Pick<DavLimits, 'authCacheMs' | 'lastSeenIntervalMs'>,
    private readonly limiter: LoginLimiter = new LoginLimiter(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async authenticate(header: string | undefined, address: string, userAgent: string | null): Promise<AuthResult> {
    const creds = parseBasic(header);
    if (!creds) return { ok: false, status: 401 };
    const limiterKey = `${creds.username}\n${address}`;
    const wait = this.limiter.retryAfterSeconds(limiterKey);
    if (wait > 0) return { ok: false, status: 429, retryAfterSeconds: wait };

    const user = await findUserByName(this.ctx, creds.username);
    const device = user ? await findDeviceByName(this.ctx, user.id, creds.deviceName) : undefined;
    const ok = user !== null && !user.disabled && device?.revoked_at == null && (await this.passwordMatches(creds, [
      device?.app_password_hash ?? null, user.passwordHash,
    ]));
    if (!ok || !user) {
      await this.sleep(this.limiter.fail(limiterKey));
      return { ok: false, status: 401 };
    }
    this.limiter.succeed(limiterKey);
    const row = device ?? (await deviceForLogin(this.ctx, user.id, creds.deviceName, userAgent));
    if (row.revoked_at !== null) return { ok: false, status: 401 };
    await touchDevice(this.ctx, row, userAgent, this.limits.lastSeenIntervalMs);
    const { passwordHash: _hidden, ...plain } = user;
    return {
      ok: true,
      identity: {
        user: plain,
        device: { id: row.id, name: row.name },
        author: { kind: 'device', id: row.id, label: `${user.username}_device=${row.name}` },
      },
    };
  }

  /** Tries the stored hashes in order; a cached success counts only while that hash is still stored. */
  private async passwordMatches(creds: Credentials, stored: readonly (string | null)[]): Promise<boolean> {
    const hashes = stored.filter((h): h is string => h !== null);
    const key = createHash('sha256').update(`${creds.username}\n${creds.deviceName}\n${creds.password}`).digest('base64');
    const now = Date.now();
    const cached = this.checks.get(key);
    if (cached && cached.expires > now && hashes.includes(cached.matchedHash)) return true;
    if (hashes.length === 0) return verifyNothing(creds.password);
    for (const h of hashes) {
      if (await verifyPassword(h, creds.password)) {
        if (this.checks.size >= CACHE_MAX) this.sweep(now);
        this.checks.set(key, { expires: now + this.limits.authCacheMs, matchedHash: h });
        return true;
      }
    }
    return false;
  }

  private sweep(now: number): void {
    for (const [k, v] of this.checks) if (v.expires <= now) this.checks.delete(k);
    if (this.checks.size >= CACHE_MAX) this.checks.clear();
  }
}
