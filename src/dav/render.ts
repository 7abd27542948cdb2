// Items → bytes and strong ETags (RFC 7232 §2.3). The ETag is a hash of the exact bytes served,
// so it is stable across identical renders and changes whenever the bytes change (also when an
// attendee's name changes). Renders are cached in memory, keyed by what determines the bytes
// (collection, record id and version, extras revision, representation, attendee names), so a
// 1,000-item multiget or a depth-1 PROPFIND after the first one renders nothing.
import { createHash } from 'node:crypto';
import type { CrmContext } from '../crm/context.js';
import type { Appointment, Id } from '../domain/records.js';
import { renderAppointment, renderTask, renderVCard, type AttendeeResolver, type Party } from '../formats/index.js';
import type { LoadedItem } from './items.js';

/** vCard 3.0 by default; 4.0 when asked (Accept or address-data version, issue 3 item 6). */
export type Representation = 'vcard3' | 'vcard4' | 'ical';

export interface Rendered {
  readonly body: string;
  readonly etag: string;
  readonly contentType: string;
  readonly length: number;
}

/** What getetag, getcontenttype and getcontentlength need of a render (no body). */
export type RenderedMeta = Omit<Rendered, 'body'>;

/** What a render's bytes depend on, known without loading the record (issue 3 item 9). */
export interface RenderStamp {
  readonly id: Id;
  readonly version: number;
  readonly updatedAt: number;
  readonly extrasRev: number;
  /** Directory fingerprint of an appointment's people; '' for contacts and tasks. */
  readonly people: string;
}

export function renderKey(collectionId: string, s: RenderStamp, repr: Representation): string {
  return `${collectionId}\u0000${s.id}\u0000${s.version}\u0000${s.updatedAt}\u0000${s.extrasRev}\u0000${repr}\u0000${s.people}`;
}

/**
 * Bounded map of render metadata by render key: ETags outlive evicted bodies, so a PROPFIND or
 * sync-collection of unchanged items needs neither their records nor their bytes.
 */
export class MetaCache {
  private readonly entries = new Map<string, RenderedMeta>();
  constructor(private readonly maxEntries: number) {}
  get(key: string): RenderedMeta | undefined { return this.entries.get(key); }
  set(key: string, value: RenderedMeta): void {
    if (this.entries.has(key)) return;
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}

const CONTENT_TYPE: Record<Representation, string> = {
  vcard3: 'text/vcard; charset=utf-8',
  vcard4: 'text/vcard; charset=utf-8; version=4.0',
  ical: 'text/calendar; charset=utf-8',
};

export function defaultRepresentation(item: Pick<LoadedItem, 'data'>): Representation {
  return item.data.unit === 'contacts' ? 'vcard3' : 'ical';
}

export function etagOf(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** Bounded LRU of renders by total body size (Map keeps insertion order; a hit re-inserts). */
export class RenderCache {
  private readonly entries = new Map<string, Rendered>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Rendered | undefined {
    const hit = this.entries.get(key);
    // Recency is kept (a hit re-inserts) once the cache is over half full; below that nothing is
    // near eviction, and a large multiget of warm entries costs lookups, not map reordering.
    if (hit && this.bytes > this.maxBytes / 2) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: Rendered): void {
    if (value.length > this.maxBytes / 4) return;
    const old = this.entries.get(key);
    if (old) this.bytes -= old.length;
    this.entries.set(key, value);
    this.bytes += value.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }
}

/** Names and addresses of the people an appointment shows, loaded in three queries per batch. */
export class Directory implements AttendeeResolver {
  private constructor(
    private readonly users: ReadonlyMap<Id, Party>,
    private readonly groups: ReadonlyMap<Id, Party>,
    private readonly contacts: ReadonlyMap<Id, Party>,
  ) {}

  static readonly EMPTY = new Directory(new Map(), new Map(), new Map());

  static async load(ctx: CrmContext, appts: readonly Appointment[]): Promise<Directory> {
    const userIds = new Set<Id>();
    const groupIds = new Set<Id>();
    const contactIds = new Set<Id>();
    for (const a of appts) {
      if (a.organizerUserId) userIds.add(a.organizerUserId);
      for (const x of a.attendees) {
        if (x.kind === 'user') userIds.add(x.userId);
        else if (x.kind === 'group') groupIds.add(x.groupId);
        else if (x.kind === 'contact') contactIds.add(x.contactId);
      }
    }
    const users = new Map<Id, Party>();
    const groups = new Map<Id, Party>();
    const contacts = new Map<Id, Party>();
    if (userIds.size > 0) {
      const rows = await ctx.db.selectFrom('users').select(['id', 'display_name', 'email']).where('id', 'in', [...userIds]).execute();
      for (const r of rows) users.set(r.id, { name: r.display_name, email: r.email });
    }
    if (groupIds.size > 0) {
      const rows = await ctx.db.selectFrom('groups').select(['id', 'name']).where('id', 'in', [...groupIds]).execute();
      for (const r of rows) groups.set(r.id, { name: r.name, email: null });
    }
    if (contactIds.size > 0) {
      const rows = await ctx.db.selectFrom('contacts').select(['id', 'display_name', 'data']).where('id', 'in', [...contactIds]).execute();
      for (const r of rows) {
        const emails = (JSON.parse(r.data) as { emails?: { value: string }[] }).emails ?? [];
        contacts.set(r.id, { name: r.display_name, email: emails[0]?.value ?? null });
      }
    }
    return new Directory(users, groups, contacts);
  }

  user(id: Id): Party | null { return this.users.get(id) ?? null; }
  group(id: Id): Party | null { return this.groups.get(id) ?? null; }
  contact(id: Id): Party | null { return this.contacts.get(id) ?? null; }

  /** What of the directory an appointment's bytes depend on, for the cache key. */
  fingerprint(a: Appointment): string {
    const parts: string[] = [];
    const add = (p: Party | null) => parts.push(p ? `${p.name}\u0000${p.email ?? ''}` : '-');
    if (a.organizerUserId) add(this.user(a.organizerUserId));
    for (const x of a.attendees) {
      if (x.kind === 'user') add(this.user(x.userId));
      else if (x.kind === 'group') add(this.group(x.groupId));
      else if (x.kind === 'contact') add(this.contact(x.contactId));
    }
    return parts.length === 0 ? '' : createHash('sha1').update(parts.join('\u0001')).digest('base64url');
  }
}

export class Renderer {
  readonly meta: MetaCache;

  constructor(private readonly cache: RenderCache, metaEntries = 200_000) {
    this.meta = new MetaCache(metaEntries);
  }

  /**
   * The item's bytes and ETag. `keepBody: false` (listings that need only ETags) caches the
   * metadata alone, so a first PROPFIND of a large collection does not fill the body cache.
   */
  render(collectionId: string, item: LoadedItem, repr: Representation, directory: Directory, opts: { keepBody?: boolean } = {}): Rendered {
    if (item.cached && 'body' in item.cached) return item.cached;
    const r = item.data.record;
    const people = item.data.unit === 'calendar' ? directory.fingerprint(item.data.record) : '';
    const key = renderKey(collectionId, { id: r.id, version: r.version, updatedAt: r.updatedAt, extrasRev: item.extrasRev, people }, repr);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const body = this.bytes(item, repr, directory);
    const rendered: Rendered = { body, etag: etagOf(body), contentType: CONTENT_TYPE[repr], length: Buffer.byteLength(body) };
    if (opts.keepBody !== false) this.cache.set(key, rendered);
    this.meta.set(key, { etag: rendered.etag, contentType: rendered.contentType, length: rendered.length });
    return rendered;
  }

  /** ETag, type and length: from the item's cached render when it carries one, else rendered. */
  renderMeta(collectionId: string, item: LoadedItem, repr: Representation, directory: Directory): RenderedMeta {
    if (item.cached) return item.cached;
    return this.render(collectionId, item, repr, directory);
  }

  /** A cached render (with body) for a stamp, without touching the record. */
  cachedBody(collectionId: string, stamp: RenderStamp, repr: Representation): Rendered | undefined {
    return this.cache.get(renderKey(collectionId, stamp, repr));
  }

  cachedMeta(collectionId: string, stamp: RenderStamp, repr: Representation): RenderedMeta | undefined {
    return this.meta.get(renderKey(collectionId, stamp, repr));
  }

  private bytes(item: LoadedItem, repr: Representation, directory: Directory): string {
    const extras = item.extras;
    switch (item.data.unit) {
      case 'contacts':
        return renderVCard(item.data.record, {
          version: repr === 'vcard4' ? '4.0' : '3.0',
          ...(extras?.type === 'vcard' ? { extras: extras.lines } : {}),
        });
      case 'calendar':
        return renderAppointment(item.data.record, { resolver: directory, ...(extras?.type === 'ical' ? { extras: extras.extras } : {}) });
      case 'tasks':
        return renderTask(item.data.record, extras?.type === 'ical' ? { extras: extras.extras } : {});
      default: {
        const never: never = item.data;
        throw new Error(`unhandled unit ${JSON.stringify(never)}`);
      }
    }
  }
}

/** RFC 6352 §5.1.1 / issue 3 item 6: vCard 4.0 only when the client asks for it. */
export function vcardRepresentation(accept: string | undefined, requestedVersion?: string): Representation {
  if (requestedVersion !== undefined) return requestedVersion.trim() === '4.0' ? 'vcard4' : 'vcard3';
  if (accept && /text\/vcard[^,]*version\s*=\s*"?4\.0/i.test(accept)) return 'vcard4';
  return 'vcard3';
}
