// A DAV failure with its HTTP status, the RFC's precondition element (RFC 4918 §16) and a
// reason a person can read; the server turns it into a DAV:error body.
import type { Condition } from './xml/index.js';

export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly condition?: Condition,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'DavError';
  }
}

export const notFound = (what = 'no such resource') => new DavError(404, what);
export const forbidden = (reason: string, condition?: Condition) => new DavError(403, reason, condition);
export const badRequest = (reason: string) => new DavError(400, reason);
export const preconditionFailed = (reason: string) => new DavError(412, reason);
