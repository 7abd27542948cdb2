// PROPFIND (RFC 4918 §9.1) at depth 0 or 1; infinity is refused with propfind-finite-depth.
// A collection's members are streamed (handlers/light.ts), everything else is answered first.
import { evaluateProps, type Target } from '../props/index.js';
import { hrefs } from '../paths.js';
import { collectionsIn, userCollections, type Resource } from '../resources.js';
import type { DavRequest } from '../state.js';
import { header } from '../state.js';
import { MultistatusStream, parseDepth, parsePropfind, PROPFIND_FINITE_DEPTH } from '../xml/index.js';
import type { ItemStamp } from '../items.js';
import { itemResponses } from './light.js';
import { DAV_HEADER, directoryFor, itemTarget, propEnv, requireItem, streamedMultistatus, wantsMinimal, type DavResponse, type Fragment } from './common.js';

export async function propfind(req: DavRequest, resource: Resource): Promise<DavResponse> {
  const depth = parseDepth(header(req, 'depth'), 'infinity', [0, 1], PROPFIND_FINITE_DEPTH);
  const select = parsePropfind(req.body);
  const { ctx } = req.state;
  const user = req.identity.user;
  const targets: Target[] = [];
  const items = [];
  let members: readonly ItemStamp[] = [];
  switch (resource.type) {
    case 'item': {
      const item = await requireItem(req, resource.col, resource.name);
      items.push(item);
      targets.push(itemTarget(resource.col, item));
      break;
    }
    case 'collection': {
      targets.push(resource);
      if (depth === 1) members = await req.state.stamps.list(ctx, resource.col);
      break;
    }
    case 'home': {
      targets.push(resource);
      if (depth === 1) {
        for (const col of collectionsIn(await userCollections(ctx, user), resource.home)) targets.push({ type: 'collection', href: col.href, col });
      }
      break;
    }
    case 'root':
      targets.push(resource);
      if (depth === 1) {
        targets.push(
          { type: 'principals', href: hrefs.principals() },
          { type: 'home', home: 'calendars', href: hrefs.home('calendars', user.username) },
          { type: 'home', home: 'addressbooks', href: hrefs.home('addressbooks', user.username) },
        );
      }
      break;
    case 'principals':
      targets.push(resource);
      if (depth === 1) targets.push({ type: 'principal', href: hrefs.principal(user.username) });
      break;
    case 'principal':
      targets.push(resource);
      break;
    default: {
      const never: never = resource;
      throw new Error(`unhandled ${JSON.stringify(never)}`);
    }
  }
  const env = propEnv(req, await directoryFor(req, items));
  const minimal = wantsMinimal(req);
  const ms = new MultistatusStream();
  const first = targets.map((t) => ms.response({ type: 'propstat', href: t.href, propstats: evaluateProps(t, select, env, minimal) }));
  async function* batches(): AsyncGenerator<readonly Fragment[]> {
    yield first;
    if (resource.type === 'collection' && members.length > 0) {
      yield* itemResponses(req, resource.col, members, select, ms, { minimal, fromSnapshot: true });
    }
  }
  return streamedMultistatus(req, ms, batches(), undefined, { DAV: DAV_HEADER });
}
