// DELETE (RFC 4918 §9.6) of an item, under X1/X2/G1/X3; a collection or home is never deleted.
import { forbidden } from '../errors.js';
import type { Resource } from '../resources.js';
import type { DavRequest } from '../state.js';
import { deleteItem } from '../writes.js';
import { dav } from '../xml/index.js';
import { requireItem, type DavResponse } from './common.js';
import { checkConditions, refuseReadOnly, writeEnv } from './put.js';

export async function del(req: DavRequest, resource: Resource): Promise<DavResponse> {
  if (resource.type !== 'item') {
    throw forbidden('collections are managed by the CRM and cannot be deleted; delete items instead', dav('need-privileges'));
  }
  refuseReadOnly(resource.col);
  const item = await requireItem(req, resource.col, resource.name);
  await checkConditions(req, resource.col, item);
  await deleteItem(writeEnv(req), resource.col, item);
  return { status: 204 };
}
