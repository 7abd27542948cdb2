// Webhook signatures: X-Crmsync-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">,
// with the timestamp (Unix seconds) in X-Crmsync-Timestamp so receivers can refuse replays.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-crmsync-signature';
export const TIMESTAMP_HEADER = 'x-crmsync-timestamp';

export function signPayload(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** For receivers (and tests): constant-time check of a signature header. */
export function verifySignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(signPayload(secret, Number(timestamp), body));
  const given = Buffer.from(header);
  return /^\d+$/.test(timestamp) && expected.length === given.length && timingSafeEqual(expected, given);
}
