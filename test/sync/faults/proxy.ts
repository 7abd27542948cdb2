// A small fault-injecting HTTP proxy on 127.0.0.1 in front of a real DAV server (issue 4 item 5:
// "fault tests through a proxy that drops connections, answers 500/503/429 and stalls").
// `healthy` requests are forwarded first; after that every request meets `mode`.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type FaultMode =
  | 'pass'
  /** Close the connection without an answer, before the server sees the request. */
  | 'drop'
  /** Forward the request, let the server carry it out, then close the connection: a lost reply. */
  | 'lost-reply'
  | '500'
  /** 503 with Retry-After in seconds. */
  | '503'
  /** 429 with Retry-After in seconds. */
  | '429'
  /** Accept the request and never answer (until the proxy closes). */
  | 'stall';

export interface FaultProxy {
  url: string;
  mode: FaultMode;
  /** Requests still forwarded untouched before `mode` applies (counts down). */
  healthy: number;
  retryAfterSeconds: number;
  /** Requests seen, and how many met a fault. */
  seen: number;
  faulted: number;
  /** Methods of the requests that met a fault. */
  faultedMethods: string[];
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const state: FaultProxy = {
    url: '', mode: 'pass', healthy: 0, retryAfterSeconds: 0, seen: 0, faulted: 0, faultedMethods: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, lose: boolean) => {
    const up = request({
      host: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
      headers: { ...req.headers, host: upstream.host },
    }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        if (lose) { req.socket.destroy(); return; } // the server did it; the client never hears
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.end(Buffer.concat(chunks));
      });
    });
    up.on('error', () => req.socket.destroy());
    up.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.seen++;
      const body = Buffer.concat(chunks);
      if (state.mode === 'pass' || state.healthy > 0) {
        if (state.healthy > 0) state.healthy--;
        forward(req, res, body, false);
        return;
      }
      state.faulted++;
      state.faultedMethods.push(req.method ?? '?');
      switch (state.mode) {
        case 'drop': req.socket.destroy(); return;
        case 'lost-reply': forward(req, res, body, true); return;
        case '500': res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error'); return;
        case '503': res.writeHead(503, { 'retry-after': String(state.retryAfterSeconds), 'content-type': 'text/plain' }).end('maintenance'); return;
        case '429': res.writeHead(429, { 'retry-after': String(state.retryAfterSeconds), 'content-type': 'text/plain' }).end('slow down'); return;
        case 'stall': return; // never answers
      }
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  state.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
  return state;
}
