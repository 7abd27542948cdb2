// PROPPATCH request bodies (RFC 4918 §9.2, §14.19, §14.23, §14.26): set and remove
// instructions, processed in document order, one operation per property.

import type { XmlElement } from '../element.js';
import { DavBadRequest } from '../errors.js';
import { dav } from '../names.js';
import { expectRoot } from './common.js';
import type { ProppatchOperation, ProppatchRequest } from './types.js';
import { isDav, propertyValues } from './values.js';

export function interpretProppatch(root: XmlElement | null): ProppatchRequest {
  const update = expectRoot(root, dav('propertyupdate'), 'PROPPATCH');
  const operations: ProppatchOperation[] = [];
  for (const instruction of update.children) {
    const type = isDav(instruction, 'set') ? 'set' : isDav(instruction, 'remove') ? 'remove' : undefined;
    if (type === undefined) continue; // unknown elements are ignored (RFC 4918 §17)
    const props = instruction.children.filter((c) => isDav(c, 'prop'));
    if (props.length === 0) throw new DavBadRequest(`DAV:${type} needs a DAV:prop element`);
    for (const prop of props) {
      for (const { prop: name, value } of propertyValues(prop, [instruction, update])) {
        operations.push(type === 'set' ? { type, prop: name, value } : { type, prop: name });
      }
    }
  }
  if (operations.length === 0) throw new DavBadRequest('DAV:propertyupdate names no property to set or remove');
  return { operations };
}
