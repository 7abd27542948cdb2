// Stored credentials are encrypted with AES-256-GCM (SPEC A2, security by default). Ciphertexts
// carry the id of the key that made them ("v1.<kid>.<iv>.<ciphertext+tag>"), so a new key can be
// introduced while old values still decrypt (rotation).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Keyring {
  /** Id of the key used for new ciphertexts. */
  readonly currentKeyId: string;
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
}

function keyFromText(text: string): Buffer {
  const trimmed = text.trim();
  const raw = Buffer.from(trimmed, 'base64');
  // A 32-byte base64 key is used as is; anything else is treated as a passphrase.
  if (raw.length === 32 && raw.toString('base64').replace(/=+$/, '') === trimmed.replace(/=+$/, '')) return raw;
  return createHash('sha256').update(trimmed, 'utf8').digest();
}

const keyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

export function createKeyring(current: Buffer, older: Buffer[] = []): Keyring {
  const keys = new Map<string, Buffer>([[keyId(current), current], ...older.map((k) => [keyId(k), k] as [string, Buffer])]);
  const currentKeyId = keyId(current);
  return {
    currentKeyId,
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${currentKeyId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    decrypt(ciphertext) {
      const [version, kid, ivText, bodyText] = ciphertext.split('.');
      if (version !== 'v1' || !kid || !ivText || !bodyText) throw new Error('not a crmsync ciphertext');
      const key = keys.get(kid);
      if (!key) throw new Error(`ciphertext was made with key ${kid}, which this server does not hold`);
      const body = Buffer.from(bodyText, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * The key comes from CRMSYNC_SECRET_KEY, else from `<dataDir>/secret.key`, created on first start
 * with mode 0600. Older keys for rotation: CRMSYNC_OLD_SECRET_KEYS (comma-separated).
 */
export function loadKeyring(dataDir: string, envKey: string | null, oldKeys: string | undefined = process.env.CRMSYNC_OLD_SECRET_KEYS): Keyring {
  let current: Buffer;
  if (envKey) current = keyFromText(envKey);
  else {
    const file = join(dataDir, 'secret.key');
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      try {
        writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process made it first
      }
    }
    chmodSync(file, 0o600);
    current = keyFromText(readFileSync(file, 'utf8'));
  }
  const older = (oldKeys ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(keyFromText);
  return createKeyring(current, older);
}
