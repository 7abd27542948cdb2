// The typed XML layer of the DAV server: request bodies in, 207/error bodies out.
//   reader.ts         bytes -> XmlElement tree under the safety limits (saxes, no DTD, no entities)
//   requests/*.ts     XmlElement -> typed request, one file per RFC area (types in requests/types.ts)
//   parse.ts          the entry points combining the two
//   writer/*.ts       typed Multistatus / error condition -> XML text (escape, prefixes, writer)
// Golden fixtures: test/fixtures/dav/requests (RFC examples + AST JSON) and .../responses.

export { NS, qkey, parseQkey, qname, dav, caldav, carddav, sameName, type QName } from './names.js';
export { DavBadRequest, XmlRejected, type XmlRejectReason } from './errors.js';
export { xmlElement, isElement, childrenNamed, firstChild, textContent, type XmlElement } from './element.js';
export { readXml, DEFAULT_XML_LIMITS, type XmlLimits } from './reader.js';
export { parseUtcDateTime, formatUtcDateTime } from './time.js';
export { parseDepth, PROPFIND_FINITE_DEPTH, type Depth } from './depth.js';
export {
  parseDavRequest,
  parsePropfind,
  parseProppatch,
  parseReport,
  parseMkcol,
  type DavParseOptions,
  type DavRequestBodies,
  type DavBodyMethod,
  type RequestBody,
} from './parse.js';
export * from './requests/types.js';
export {
  serializeMultistatus,
  MultistatusStream,
  statusLine,
  type Multistatus,
  type MultistatusResponse,
  type Propstat,
  type DavProperty,
  type PropValue,
  type Condition,
} from './writer/multistatus.js';
export { serializeError } from './writer/error-body.js';
export { escapeText, escapeAttr } from './writer/escape.js';
export { FIXED_PREFIXES } from './writer/namespaces.js';
