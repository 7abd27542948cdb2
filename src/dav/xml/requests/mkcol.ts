// MKCOL (extended, RFC 5689 §5.1) and MKCALENDAR (RFC 4791 §5.3.1) bodies. crmsync refuses
// to create collections; reading the body lets the refusal say exactly what was asked.

import type { XmlElement } from '../element.js';
import { DavBadRequest } from '../errors.js';
import { caldav, dav, NS, qkey, type QName } from '../names.js';
import type { MkcolRequest } from './types.js';
import { isDav, propertyValues } from './values.js';

export function interpretMkcol(root: XmlElement | null, method: 'MKCOL' | 'MKCALENDAR'): MkcolRequest {
  if (root === null) return { method, set: [], resourceTypes: [] };
  const expected = method === 'MKCOL' ? dav('mkcol') : caldav('mkcalendar');
  if (root.ns !== expected.ns || root.name !== expected.name) {
    throw new DavBadRequest(`${method} body must be ${qkey(expected)}, not ${qkey(root)}`);
  }
  const set: { prop: QName; value: XmlElement }[] = [];
  for (const instruction of root.children) {
    if (!isDav(instruction, 'set')) continue;
    for (const prop of instruction.children) {
      if (isDav(prop, 'prop')) set.push(...propertyValues(prop, [instruction, root]));
    }
  }
  const resourcetype = set.find((s) => s.prop.ns === NS.DAV && s.prop.name === 'resourcetype');
  const resourceTypes = resourcetype ? resourcetype.value.children.map((c) => ({ ns: c.ns, name: c.name })) : [];
  return { method, set, resourceTypes };
}
