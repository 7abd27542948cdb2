// Path → typed resource, for the authenticated user only. Another user's principal, homes,
// collections and items are answered exactly like paths that do not exist (404), so a user can
// neither read nor detect them (issue 3 item 7).
import type { CrmContext } from '../crm/context.js';
import { ensureCollection, listCollections, type Collection } from '../crm/syncSets.js';
import type { Id, Unit, User } from '../domain/records.js';
import { notFound } from './errors.js';
import { hrefs, type DavPath, type HomeKind } from './paths.js';

export type ComponentType = 'VEVENT' | 'VTODO';

/** One of the user's collections as the DAV server shows it. */
export interface DavCollection {
  readonly collection: Collection;
  readonly unit: Unit;
  readonly home: HomeKind;
  readonly slug: string;
  readonly href: string;
  /** The calendar component it holds; null for the address book. */
  readonly component: ComponentType | null;
  /** Why writes are refused (D3 one-way unit, A4 colleague calendar); null when writable. */
  readonly readOnlyReason: string | null;
  /** Whose records it shows (a colleague's, under A4). */
  readonly owner: { readonly id: Id; readonly username: string; readonly displayName: string };
}

export type Resource =
  | { readonly type: 'root'; readonly href: string }
  | { readonly type: 'principals'; readonly href: string }
  | { readonly type: 'principal'; readonly href: string }
  | { readonly type: 'home'; readonly home: HomeKind; readonly href: string }
  | { readonly type: 'collection'; readonly href: string; readonly col: DavCollection }
  /** An item path: `itemId` null when nothing lives under that name (PUT creates it). */
  | { readonly type: 'item'; readonly href: string; readonly col: DavCollection; readonly name: string };

export const COLLEAGUE_PREFIX = 'colleague-';
const ITEM_EXTENSION: Record<Unit, string> = { contacts: '.vcf', calendar: '.ics', tasks: '.ics' };
export const itemExtension = (unit: Unit) => ITEM_EXTENSION[unit];

function slugOf(unit: Unit, ownerUsername: string, own: boolean): string {
  if (unit === 'contacts') return 'contacts';
  if (unit === 'tasks') return 'tasks';
  return own ? 'calendar' : `${COLLEAGUE_PREFIX}${ownerUsername}`;
}

const DISPLAY: Record<Unit, string> = { contacts: 'Contacts', calendar: 'Calendar', tasks: 'Tasks' };
export const defaultDisplayName = (c: DavCollection) =>
  c.owner.id === c.collection.userId ? DISPLAY[c.unit] : `Calendar of ${c.owner.displayName}`;

/**
 * The user's collections: contacts, calendar, tasks (created on first use) and the colleagues'
 * calendars added under A4.
 */
export async function userCollections(ctx: CrmContext, user: User): Promise<DavCollection[]> {
  let all = await listCollections(ctx, user.id);
  const own = (u: Unit) => all.some((c) => c.unit === u && c.ownerUserId === user.id);
  if (!own('contacts') || !own('calendar') || !own('tasks')) {
    for (const u of ['contacts', 'calendar', 'tasks'] as const) await ensureCollection(ctx, user.id, u);
    all = await listCollections(ctx, user.id);
  }
  const ownerIds = [...new Set(all.map((c) => c.ownerUserId).filter((id) => id !== user.id))];
  const owners = new Map<Id, { id: Id; username: string; displayName: string }>([[user.id, { id: user.id, username: user.username, displayName: user.displayName }]]);
  if (ownerIds.length > 0) {
    const rows = await ctx.db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', ownerIds).execute();
    for (const r of rows) owners.set(r.id, { id: r.id, username: r.username, displayName: r.display_name });
  }
  const out: DavCollection[] = [];
  for (const c of all) {
    const owner = owners.get(c.ownerUserId);
    if (!owner) continue;
    const isOwn = c.ownerUserId === user.id;
    const home: HomeKind = c.unit === 'contacts' ? 'addressbooks' : 'calendars';
    const slug = slugOf(c.unit, owner.username, isOwn);
    const oneWay = user.settings.deviceModes[c.unit] === 'one-way';
    out.push({
      collection: c, unit: c.unit, home, slug,
      href: hrefs.collection(home, user.username, slug),
      component: c.unit === 'calendar' ? 'VEVENT' : c.unit === 'tasks' ? 'VTODO' : null,
      readOnlyReason: !isOwn
        ? `this is ${owner.displayName}'s calendar, added read-only (A4); change it in the CRM`
        : oneWay
          ? `${DISPLAY[c.unit]} are synced one-way from the CRM to this device (D1/D3); change them in the CRM`
          : null,
      owner,
    });
  }
  const order: Record<Unit, number> = { calendar: 0, tasks: 1, contacts: 2 };
  return out.sort((a, b) => order[a.unit] - order[b.unit] || a.slug.localeCompare(b.slug));
}

export function collectionsIn(all: readonly DavCollection[], home: HomeKind): DavCollection[] {
  return all.filter((c) => c.home === home);
}

/** Resolves a parsed path for `user`; throws 404 for anything not theirs or not existing. */
export async function resolveResource(ctx: CrmContext, user: User, path: DavPath): Promise<Resource> {
  switch (path.kind) {
    case 'root':
      return { type: 'root', href: hrefs.root() };
    case 'principals':
      return { type: 'principals', href: hrefs.principals() };
    case 'principal':
      if (path.user !== user.username) throw notFound();
      return { type: 'principal', href: hrefs.principal(user.username) };
    case 'home':
      if (path.user !== user.username) throw notFound();
      return { type: 'home', home: path.home, href: hrefs.home(path.home, user.username) };
    case 'collection':
    case 'item': {
      if (path.user !== user.username) throw notFound();
      const col = (await userCollections(ctx, user)).find((c) => c.home === path.home && c.slug === path.slug);
      if (!col) throw notFound();
      if (path.kind === 'collection') return { type: 'collection', href: col.href, col };
      return { type: 'item', href: hrefs.item(col.href, path.name), col, name: path.name };
    }
    case 'unknown':
      throw notFound();
    default: {
      const never: never = path;
      throw new Error(`unhandled path ${JSON.stringify(never)}`);
    }
  }
}
