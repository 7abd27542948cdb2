// Typed failures of request-body parsing. The DAV server maps a DavBadRequest to `status`
// and, when `precondition` is set, to an RFC 4918 §16 error body naming that element.

import type { QName } from './names.js';

export class DavBadRequest extends Error {
  constructor(
    message: string,
    /** The precondition element to report in a `DAV:error` body, when the RFC names one. */
    readonly precondition?: QName,
    /** 400 for malformed requests; 403 where the RFC reports an unsupported feature that way. */
    readonly status: 400 | 403 = 400,
  ) {
    super(message);
    this.name = 'DavBadRequest';
  }
}

/** Why a body was refused before interpretation: the safety rules of the XML reader. */
export type XmlRejectReason =
  | 'doctype' // any DTD, so no entity can be declared (billion laughs, XXE)
  | 'entity' // a reference to an entity other than the five predefined ones
  | 'depth' // nesting deeper than the configured limit
  | 'element-count' // more elements than the configured limit
  | 'attribute-size' // one attribute value longer than the configured limit
  | 'attribute-count' // more attributes on one element than the configured limit
  | 'encoding'; // not UTF-8/UTF-16, or bytes that do not decode

/** A body refused by the XML reader's safety rules (SPEC Standards: no DTDs, no entities). */
export class XmlRejected extends DavBadRequest {
  constructor(readonly reason: XmlRejectReason, message: string) {
    super(message);
    this.name = 'XmlRejected';
  }
}
