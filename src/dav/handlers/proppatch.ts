// PROPPATCH (RFC 4918 §9.2) on collections: displayname, calendar-color, calendar-order and dead
// properties, stored in the collection's props. All or nothing: a protected property (403
// cannot-modify-protected-property) fails the others with 424.
import { setCollectionProps } from '../../crm/syncSets.js';
import { forbidden } from '../errors.js';
import { REGISTRY } from '../props/index.js';
import { storedProps, type StoredCollectionProps } from '../props/types.js';
import type { Resource } from '../resources.js';
import type { DavRequest } from '../state.js';
import { dav, parseProppatch, qkey, type DavProperty, type Propstat } from '../xml/index.js';
import { multistatus, type DavResponse } from './common.js';

export async function proppatch(req: DavRequest, resource: Resource): Promise<DavResponse> {
  const request = parseProppatch(req.body);
  if (resource.type !== 'collection') {
    throw forbidden('only collections have properties that can be changed here', dav('cannot-modify-protected-property'));
  }
  const props: StoredCollectionProps = structuredClone(storedProps(resource.col));
  const dead = { ...(props.dead ?? {}) };
  const ok: DavProperty[] = [];
  const denied: DavProperty[] = [];
  for (const op of request.operations) {
    const key = qkey(op.prop);
    const def = REGISTRY.get(key);
    const entry: DavProperty = { name: op.prop, value: { type: 'empty' } };
    if (def?.writable) {
      if (op.type === 'set') props[def.writable.key] = def.writable.read(op.value);
      else delete props[def.writable.key];
      ok.push(entry);
    } else if (def) {
      denied.push(entry);
    } else {
      if (op.type === 'set') dead[key] = op.value;
      else delete dead[key];
      ok.push(entry);
    }
  }
  const propstats: Propstat[] = [];
  if (denied.length > 0) {
    propstats.push({ status: 403, props: denied, error: dav('cannot-modify-protected-property') });
    if (ok.length > 0) propstats.push({ status: 424, props: ok });
  } else {
    props.dead = dead;
    await setCollectionProps(req.state.ctx, resource.col.collection.id, props as Record<string, unknown>);
    propstats.push({ status: 200, props: ok });
  }
  return multistatus({ responses: [{ type: 'propstat', href: resource.href, propstats }] });
}
