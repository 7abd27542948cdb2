// Refs are absolute URLs in one canonical spelling, so that an href the server percent-encodes
// differently from us ("%40" vs "@") is still the same ref to the engine (RFC 3986 §6.2.2).

/** encodeURIComponent plus the sub-delims it leaves alone: one spelling per segment. */
function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a stray "%": keep it as sent
  }
}

/** Resolves `href` against `base` and re-encodes every path segment canonically; drops query and fragment. */
export function canonicalUrl(href: string, base: string): string {
  const u = new URL(href, base);
  const path = u.pathname.split('/').map((seg) => encodeSegment(decodeSegment(seg))).join('/');
  return `${u.origin}${path}`;
}

/** A collection ref always ends in "/" (RFC 4918 §5.2), so member refs can be built and compared. */
export function collectionUrl(href: string, base: string): string {
  const url = canonicalUrl(href, base);
  return url.endsWith('/') ? url : `${url}/`;
}

/** M2: the deterministic member a create writes to, e.g. …/crmsync-<key>.vcf. */
export function memberUrl(collection: string, key: string, extension: 'vcf' | 'ics'): string {
  return `${collection}crmsync-${encodeSegment(key)}.${extension}`;
}

/** The path of a URL, for hrefs in request bodies (same origin as the collection). */
export const pathOfUrl = (url: string): string => new URL(url).pathname;

/** Whether `url` is a direct member of `collection` (not the collection itself, not deeper). */
export function isMemberOf(url: string, collection: string): boolean {
  if (!url.startsWith(collection)) return false;
  const rest = url.slice(collection.length);
  return rest !== '' && !rest.slice(0, -1).includes('/') && !rest.endsWith('/');
}
