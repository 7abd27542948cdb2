// The connector's HTTP client: Basic auth, a timeout per request, redirects followed by hand.
//
// Why our own small requests and not tsdav: the engine needs the exact status, ETag and
// Retry-After of every response (L4, M2, If-Match/If-None-Match preconditions), request
// timeouts, and a guarantee that credentials never reach a log or an error message. tsdav
// hides statuses behind booleans, parses XML with namespace prefixes dropped, and has no
// timeout; the handful of DAV requests we need (PROPFIND, REPORT, PUT, DELETE) fit in a
// few lines over fetch, and responses are read with the DAV server's own hardened XML reader.
import { classifyNetworkError, classifyStatus, type Scope } from './classify.js';

export interface DavHttpOptions {
  username: string;
  password: string;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
  /** The account's origin: credentials go there, and elsewhere only over https. */
  origin: string;
}

export interface DavRequest {
  method: 'GET' | 'PROPFIND' | 'REPORT' | 'PUT' | 'DELETE';
  url: string;
  depth?: '0' | '1';
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface DavReply {
  status: number;
  headers: Headers;
  body: string;
  /** The URL that answered (after redirects). */
  url: string;
}

const MAX_REDIRECTS = 5;

export class DavHttp {
  private readonly authorization: string;

  constructor(private readonly opts: DavHttpOptions) {
    this.authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`, 'utf8').toString('base64')}`;
  }

  /** Sends a request; network failures and timeouts throw RemoteError('transient'), statuses are returned. */
  async send(req: DavRequest): Promise<DavReply> {
    let url = req.url;
    for (let hop = 0; ; hop++) {
      const reply = await this.once(req, url);
      const location = reply.headers.get('location');
      // RFC 6764 §5: /.well-known/ redirects; 301/302/307/308 keep method and body for DAV methods.
      if (![301, 302, 307, 308].includes(reply.status) || !location || hop >= MAX_REDIRECTS) return reply;
      url = new URL(location, url).href;
    }
  }

  /** Sends a request and throws the classified RemoteError unless the status is 2xx. */
  async ok(req: DavRequest, scope: Scope): Promise<DavReply> {
    const reply = await this.send(req);
    if (reply.status < 200 || reply.status > 299) throw this.fail(req, reply, scope);
    return reply;
  }

  fail(req: DavRequest, reply: DavReply, scope: Scope) {
    return classifyStatus({ method: req.method, url: reply.url, status: reply.status, headers: reply.headers, body: reply.body }, scope);
  }

  private async once(req: DavRequest, url: string): Promise<DavReply> {
    const headers: Record<string, string> = { ...req.headers };
    if (this.mayAuthenticate(url)) headers.authorization = this.authorization;
    if (req.depth !== undefined) headers.depth = req.depth;
    if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/xml; charset=utf-8';
    try {
      const res = await this.opts.fetch(url, {
        method: req.method, headers, body: req.body, redirect: 'manual', signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      // The body is read under the same timeout: a stalled body is a timeout too.
      const body = await res.text();
      return { status: res.status, headers: res.headers, body, url };
    } catch (err) {
      throw classifyNetworkError(req.method, url, err, this.opts.timeoutMs);
    }
  }

  private mayAuthenticate(url: string): boolean {
    const u = new URL(url);
    return u.origin === this.opts.origin || u.protocol === 'https:';
  }
}
