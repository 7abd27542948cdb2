// The Depth request header (RFC 4918 §10.2).

import { DavBadRequest } from './errors.js';
import { dav, type QName } from './names.js';

export type Depth = 0 | 1 | 'infinity';

/**
 * Reads a Depth header. `fallback` is the method's default when the header is absent
 * (RFC 4918 §9.1: infinity for PROPFIND; RFC 3253 §3.6: 0 for REPORT); `allowed` the values
 * the method accepts. A PROPFIND server may refuse infinity with 403 and
 * DAV:propfind-finite-depth (RFC 4918 §9.1), which `refusal` selects.
 */
export function parseDepth(
  header: string | undefined,
  fallback: Depth,
  allowed: readonly Depth[] = [0, 1, 'infinity'],
  refusal?: { readonly precondition: QName; readonly status: 400 | 403 },
): Depth {
  const v = header?.trim().toLowerCase();
  const depth: Depth | undefined = v === undefined || v === '' ? fallback : v === '0' ? 0 : v === '1' ? 1 : v === 'infinity' ? 'infinity' : undefined;
  if (depth === undefined) throw new DavBadRequest(`Depth header must be 0, 1 or infinity, not "${header}"`);
  if (!allowed.includes(depth)) {
    throw new DavBadRequest(`Depth ${depth} is not accepted here; use ${allowed.join(' or ')}`, refusal?.precondition, refusal?.status);
  }
  return depth;
}

/** RFC 4918 §9.1: the refusal of Depth: infinity on PROPFIND. */
export const PROPFIND_FINITE_DEPTH = { precondition: dav('propfind-finite-depth'), status: 403 } as const;
