// What every handler needs besides the request: the CRM, limits, the renderer and the logger.
import type { Logger } from 'pino';
import type { CrmContext } from '../crm/context.js';
import type { DavAuthenticator, DavIdentity } from './auth.js';
import type { DavLimits } from './config.js';
import type { StampCache } from './items.js';
import type { RecordCache } from './recordCache.js';
import type { Renderer } from './render.js';

export interface DavState {
  readonly ctx: CrmContext;
  readonly limits: DavLimits;
  readonly renderer: Renderer;
  /** Collections' item stamps by revision (handlers/light.ts). */
  readonly stamps: StampCache;
  /** Calendar items loaded for calendar-query, by stamp (recordCache.ts). */
  readonly records: RecordCache;
  readonly authenticator: DavAuthenticator;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** One authenticated request as handlers see it. */
export interface DavRequest {
  readonly state: DavState;
  readonly identity: DavIdentity;
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export function header(req: Pick<DavRequest, 'headers'>, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}
