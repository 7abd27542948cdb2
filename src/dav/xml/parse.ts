// Entry points: request body bytes in, typed request out (or DavBadRequest / XmlRejected).

import { readXml, type XmlLimits } from './reader.js';
import { interpretMkcol } from './requests/mkcol.js';
import { interpretPropfind } from './requests/propfind.js';
import { interpretProppatch } from './requests/proppatch.js';
import { interpretReport } from './requests/report.js';
import type { MkcolRequest, PropfindRequest, ProppatchRequest, ReportRequest } from './requests/types.js';

export type DavParseOptions = Partial<XmlLimits>;

/** The typed body of each method that carries an XML body. */
export interface DavRequestBodies {
  PROPFIND: PropfindRequest;
  PROPPATCH: ProppatchRequest;
  REPORT: ReportRequest;
  MKCOL: MkcolRequest;
  MKCALENDAR: MkcolRequest;
}
export type DavBodyMethod = keyof DavRequestBodies;

export type RequestBody = string | Uint8Array;

export const parsePropfind = (body: RequestBody, options?: DavParseOptions): PropfindRequest =>
  interpretPropfind(readXml(body, options));

export const parseProppatch = (body: RequestBody, options?: DavParseOptions): ProppatchRequest =>
  interpretProppatch(readXml(body, options));

export const parseReport = (body: RequestBody, options?: DavParseOptions): ReportRequest =>
  interpretReport(readXml(body, options));

export const parseMkcol = (body: RequestBody, method: 'MKCOL' | 'MKCALENDAR', options?: DavParseOptions): MkcolRequest =>
  interpretMkcol(readXml(body, options), method);

/** One entry for all methods, for a handler table keyed by method. */
export function parseDavRequest<M extends DavBodyMethod>(body: RequestBody, method: M, options?: DavParseOptions): DavRequestBodies[M] {
  const bodies: { [K in DavBodyMethod]: () => DavRequestBodies[K] } = {
    PROPFIND: () => parsePropfind(body, options),
    PROPPATCH: () => parseProppatch(body, options),
    REPORT: () => parseReport(body, options),
    MKCOL: () => parseMkcol(body, 'MKCOL', options),
    MKCALENDAR: () => parseMkcol(body, 'MKCALENDAR', options),
  };
  return bodies[method]();
}
