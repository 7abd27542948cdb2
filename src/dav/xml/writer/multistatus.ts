// 207 Multi-Status bodies (RFC 4918 §13, §14.16 multistatus, §14.24 response, §14.22 propstat)
// with the sync-token of a sync-collection report at the end (RFC 6578 §6.4).

import { STATUS_CODES } from 'node:http';
import type { XmlElement } from '../element.js';
import { dav, type QName } from '../names.js';
import { XmlWriter } from './xml-writer.js';

/** A property's value as it goes into a DAV:prop. */
export type PropValue =
  /** `<d:getetag/>`: a propname answer, a 404/403 propstat, or a property that is empty. */
  | { readonly type: 'empty' }
  /** Character data, escaped on output; also raw calendar-data / address-data text. */
  | { readonly type: 'text'; readonly text: string }
  /** One or more DAV:href (RFC 4918 §14.7), e.g. current-user-principal, calendar-home-set. */
  | { readonly type: 'hrefs'; readonly hrefs: readonly string[] }
  /** Child elements, e.g. resourcetype, supported-report-set. */
  | { readonly type: 'elements'; readonly elements: readonly XmlElement[] }
  /** A stored dead property: its attributes (xml:lang) and content exactly as PROPPATCH gave them. */
  | { readonly type: 'dead'; readonly element: XmlElement };

export interface DavProperty {
  readonly name: QName;
  readonly value: PropValue;
  /** Attributes of the property element itself, e.g. content-type on calendar-data. */
  readonly attrs?: Readonly<Record<string, string>>;
}

/** A precondition/postcondition element for DAV:error (RFC 4918 §16), bare or with content. */
export type Condition = QName | XmlElement;

export interface Propstat {
  readonly status: number;
  readonly props: readonly DavProperty[];
  readonly error?: Condition;
  readonly description?: string;
}

export type MultistatusResponse =
  | {
      readonly type: 'propstat';
      readonly href: string;
      readonly propstats: readonly Propstat[];
      readonly error?: Condition;
      readonly description?: string;
    }
  | {
      readonly type: 'status';
      /** RFC 4918 §14.24: `href, href*, status`; one entry is the usual case (a 404 in sync-collection). */
      readonly hrefs: readonly [string, ...string[]];
      readonly status: number;
      readonly error?: Condition;
      readonly description?: string;
    };

export interface Multistatus {
  readonly responses: readonly MultistatusResponse[];
  readonly description?: string;
  /** RFC 6578 §6.4: present on sync-collection answers. */
  readonly syncToken?: string;
}

const D = {
  multistatus: dav('multistatus'),
  response: dav('response'),
  href: dav('href'),
  propstat: dav('propstat'),
  prop: dav('prop'),
  status: dav('status'),
  error: dav('error'),
  responsedescription: dav('responsedescription'),
  syncToken: dav('sync-token'),
} as const;

const statusLines = new Map<number, string>();

/** `HTTP/1.1 404 Not Found` (RFC 4918 §14.28). */
export function statusLine(code: number): string {
  let line = statusLines.get(code);
  if (line === undefined) {
    line = `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Unknown'}`;
    statusLines.set(code, line);
  }
  return line;
}

export function serializeMultistatus(ms: Multistatus): string {
  const w = new XmlWriter();
  return w.document(D.multistatus, () => {
    for (const r of ms.responses) writeResponse(w, r);
    if (ms.description !== undefined) w.leaf(D.responsedescription, ms.description);
    if (ms.syncToken !== undefined) w.leaf(D.syncToken, ms.syncToken);
  });
}

/**
 * A 207 body a response at a time, for answers streamed to the socket: the root start tag
 * declares the fixed prefixes, and every `response` fragment declares any other namespace it
 * uses itself, so fragments stand on their own (they may be cached and written into any
 * streamed document).
 */
export class MultistatusStream {
  private readonly w = new XmlWriter(true);

  start(): string {
    return this.w.rootStart(D.multistatus);
  }

  response(r: MultistatusResponse): string {
    writeResponse(this.w, r);
    return this.w.take();
  }

  end(tail: Pick<Multistatus, 'description' | 'syncToken'> = {}): string {
    if (tail.description !== undefined) this.w.leaf(D.responsedescription, tail.description);
    if (tail.syncToken !== undefined) this.w.leaf(D.syncToken, tail.syncToken);
    return this.w.take() + this.w.rootEnd(D.multistatus);
  }
}

function writeResponse(w: XmlWriter, r: MultistatusResponse): void {
  w.open(D.response);
  switch (r.type) {
    case 'propstat':
      w.leaf(D.href, r.href);
      for (const ps of r.propstats) writePropstat(w, ps);
      break;
    case 'status':
      for (const href of r.hrefs) w.leaf(D.href, href);
      w.leaf(D.status, statusLine(r.status));
      break;
    default:
      assertNever(r);
  }
  if (r.error !== undefined) writeError(w, r.error);
  if (r.description !== undefined) w.leaf(D.responsedescription, r.description);
  w.close(D.response);
}

function writePropstat(w: XmlWriter, ps: Propstat): void {
  w.open(D.propstat);
  w.open(D.prop);
  for (const p of ps.props) writeProperty(w, p);
  w.close(D.prop);
  w.leaf(D.status, statusLine(ps.status));
  if (ps.error !== undefined) writeError(w, ps.error);
  if (ps.description !== undefined) w.leaf(D.responsedescription, ps.description);
  w.close(D.propstat);
}

export function writeProperty(w: XmlWriter, p: DavProperty): void {
  const v = p.value;
  switch (v.type) {
    case 'dead':
      w.element(v.element, p.name);
      return;
    case 'empty':
      w.withAttrs(p.name, p.attrs);
      return;
    case 'text':
      if (p.attrs === undefined) w.leaf(p.name, v.text);
      else w.withAttrs(p.name, p.attrs, () => w.text(v.text));
      return;
    case 'hrefs':
      w.withAttrs(p.name, p.attrs, () => {
        for (const h of v.hrefs) w.leaf(D.href, h);
      });
      return;
    case 'elements':
      w.withAttrs(p.name, p.attrs, () => {
        for (const el of v.elements) w.element(el);
      });
      return;
    default:
      assertNever(v);
  }
}

/** RFC 4918 §14.5: `<d:error>` holding the condition element. */
export function writeError(w: XmlWriter, condition: Condition): void {
  w.open(D.error);
  writeCondition(w, condition);
  w.close(D.error);
}

export function writeCondition(w: XmlWriter, condition: Condition): void {
  if ('children' in condition) w.element(condition);
  else w.empty(condition);
}

function assertNever(x: never): never {
  throw new Error(`unhandled case ${JSON.stringify(x)}`);
}
