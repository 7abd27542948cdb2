// PROPFIND request bodies (RFC 4918 §9.1, §14.20).

import { dav } from '../names.js';
import { DavBadRequest } from '../errors.js';
import type { XmlElement } from '../element.js';
import { expectRoot, readSelection } from './common.js';
import type { PropfindRequest } from './types.js';

/** `root` null (empty body) is an allprop request (RFC 4918 §9.1). */
export function interpretPropfind(root: XmlElement | null): PropfindRequest {
  if (root === null) return { type: 'allprop', include: [] };
  const propfind = expectRoot(root, dav('propfind'), 'PROPFIND');
  const found = readSelection(propfind);
  if (!found) throw new DavBadRequest('DAV:propfind needs DAV:prop, DAV:allprop or DAV:propname');
  return found.select;
}
