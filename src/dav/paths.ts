// The URL layout of the DAV server and its strict decoding from the raw request URL.
//
//   /dav/                                 root (current-user-principal lives here)
//   /dav/principals/<user>/               the user's principal (RFC 3744 §2)
//   /dav/calendars/<user>/                calendar home (RFC 4791 §6.2.1)
//   /dav/calendars/<user>/calendar/       VEVENT collection (S2)      <name>.ics items
//   /dav/calendars/<user>/tasks/          VTODO collection (S3)
//   /dav/calendars/<user>/colleague-<u>/  a colleague's calendar added under A4 (read-only)
//   /dav/addressbooks/<user>/             address book home (RFC 6352 §7.1.1)
//   /dav/addressbooks/<user>/contacts/    the address book (S1)       <name>.vcf items
//
// Paths are decoded here and nowhere else: segment by segment from the raw URL, so that an
// encoded slash cannot smuggle a separator, "." and ".." never walk, and a bad escape is 400.
import { badRequest } from './errors.js';

export const DAV_ROOT = '/dav/';

export type HomeKind = 'calendars' | 'addressbooks';

export type DavPath =
  | { readonly kind: 'root' }
  | { readonly kind: 'principals' }
  | { readonly kind: 'principal'; readonly user: string }
  | { readonly kind: 'home'; readonly home: HomeKind; readonly user: string }
  | { readonly kind: 'collection'; readonly home: HomeKind; readonly user: string; readonly slug: string }
  | { readonly kind: 'item'; readonly home: HomeKind; readonly user: string; readonly slug: string; readonly name: string }
  | { readonly kind: 'unknown' };

/** Splits a raw URL path (no query) into decoded segments, or throws 400. */
export function decodeSegments(rawPath: string): string[] {
  if (!rawPath.startsWith('/')) throw badRequest('the request path must start with "/"');
  const parts = rawPath.split('/').slice(1);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // trailing slash
  return parts.map((p) => {
    if (/%2f|%5c|%00/i.test(p)) throw badRequest('encoded "/", "\\" or NUL in the path');
    let s: string;
    try {
      s = decodeURIComponent(p);
    } catch {
      throw badRequest('invalid percent-encoding in the path');
    }
    if (s === '' || s === '.' || s === '..') throw badRequest('empty, "." or ".." segment in the path');
    if (/[\u0000-\u001f\u007f]/.test(s)) throw badRequest('control character in the path');
    return s;
  });
}

/** Reads a DAV path from the raw request URL ("/dav/..."; a query string is ignored). */
export function parseDavUrl(rawUrl: string): DavPath {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  return classify(decodeSegments(path));
}

/**
 * A DAV:href from a request body (multiget): an absolute URL or an absolute path, decoded as
 * strictly as request URLs. Returns null when it does not name a path of this server.
 */
export function parseHref(href: string): DavPath | null {
  let path = href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) {
    try {
      path = new URL(href).pathname;
    } catch {
      return null;
    }
  }
  try {
    return classify(decodeSegments(path));
  } catch {
    return null;
  }
}

function classify(seg: readonly string[]): DavPath {
  if (seg[0] !== 'dav') return { kind: 'unknown' };
  const [, area, user, slug, name, ...rest] = seg;
  if (area === undefined) return { kind: 'root' };
  if (area === 'principals') {
    if (user === undefined) return { kind: 'principals' };
    return slug === undefined ? { kind: 'principal', user } : { kind: 'unknown' };
  }
  if (area !== 'calendars' && area !== 'addressbooks') return { kind: 'unknown' };
  if (user === undefined) return { kind: 'unknown' };
  if (slug === undefined) return { kind: 'home', home: area, user };
  if (name === undefined) return { kind: 'collection', home: area, user, slug };
  if (rest.length > 0) return { kind: 'unknown' };
  return { kind: 'item', home: area, user, slug, name };
}

/**
 * Encodes one segment for an href: everything but RFC 3986 pchar is percent-encoded, so the
 * names devices choose come back as they sent them ("a@b.ics" stays, " " becomes %20).
 */
export function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/%(21|24|26|27|28|29|2A|2B|2C|3B|3D|3A|40)/g, (_m, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)));
}

export const hrefs = {
  root: () => DAV_ROOT,
  principals: () => `${DAV_ROOT}principals/`,
  principal: (user: string) => `${DAV_ROOT}principals/${encodeSegment(user)}/`,
  home: (home: HomeKind, user: string) => `${DAV_ROOT}${home}/${encodeSegment(user)}/`,
  collection: (home: HomeKind, user: string, slug: string) => `${DAV_ROOT}${home}/${encodeSegment(user)}/${encodeSegment(slug)}/`,
  item: (collectionHref: string, name: string) => `${collectionHref}${encodeSegment(name)}`,
};
