// People and things named in calendar data. Import turns ATTENDEE/ORGANIZER addresses into CRM
// attendees (users by e-mail, contacts by e-mail, groups by name, resources by CUTYPE; our own
// urn:x-crmsync: URIs by id); export turns CRM attendees back into names and e-mail addresses
// (users' and contacts' e-mails, SPEC G2 leaves the rest to the renderer).
import type { Attendee, Contact, Id } from '../domain/records.js';
import type { CrmContext } from '../crm/context.js';
import { contacts } from '../crm/contacts.js';
import { listGroups } from '../crm/groups.js';
import { contactDisplayName } from '../crm/rows.js';
import { listUsers } from '../crm/users.js';
import { parseCrmsyncUri, type AttendeeResolver, type Party, type RawAttendee, type RawOrganizer } from '../formats/index.js';

const key = (email: string) => email.trim().toLowerCase();

export class Directory {
  private contactByEmail: Map<string, Id> | null = null;
  private readonly contactParty = new Map<Id, Party | null>();

  private constructor(
    readonly users: ReadonlyMap<Id, { name: string; email: string | null }>,
    private readonly userByEmail: ReadonlyMap<string, Id>,
    readonly groups: ReadonlyMap<Id, string>,
    private readonly groupByName: ReadonlyMap<string, Id>,
  ) {}

  static async load(ctx: CrmContext): Promise<Directory> {
    const users = await listUsers(ctx);
    const groups = await listGroups(ctx);
    return new Directory(
      new Map(users.map((u) => [u.id, { name: u.displayName, email: u.email }])),
      new Map(users.flatMap((u) => (u.email ? [[key(u.email), u.id] as const] : []))),
      new Map(groups.map((g) => [g.id, g.name])),
      new Map(groups.map((g) => [g.name.toLowerCase(), g.id])),
    );
  }

  /**
   * Contacts' e-mail addresses, read once and only when an attendee is not a user. Look-ups take
   * the caller's context: inside an import transaction the store's one SQLite connection is taken.
   */
  private async contactIdByEmail(ctx: CrmContext, email: string): Promise<Id | null> {
    if (!this.contactByEmail) {
      const map = new Map<string, Id>();
      let after = '';
      for (;;) {
        const rows = await ctx.db.selectFrom('contacts').select(['id', 'data']).where('id', '>', after).orderBy('id').limit(2000).execute();
        for (const r of rows) {
          for (const e of (JSON.parse(r.data) as Pick<Contact, 'emails'>).emails) if (!map.has(key(e.value))) map.set(key(e.value), r.id);
        }
        const last = rows[rows.length - 1];
        if (!last) break;
        after = last.id;
      }
      this.contactByEmail = map;
    }
    return this.contactByEmail.get(key(email)) ?? null;
  }

  /** A CRM attendee for an ATTENDEE line, or null when it names nobody the CRM knows. */
  async attendee(ctx: CrmContext, raw: RawAttendee): Promise<Attendee | null> {
    const ours = parseCrmsyncUri(raw.uri);
    if (ours?.kind === 'user' && this.users.has(ours.id)) return { kind: 'user', userId: ours.id, role: raw.role, status: raw.partstat };
    if (ours?.kind === 'group' && this.groups.has(ours.id)) return { kind: 'group', groupId: ours.id, role: raw.role };
    if (ours?.kind === 'contact' && (await contacts.find(ctx, ours.id))) return { kind: 'contact', contactId: ours.id, role: raw.role, status: raw.partstat };
    if (raw.cutype === 'resource' || raw.cutype === 'room' || ours?.kind === 'resource') {
      return { kind: 'resource', name: raw.name ?? raw.email ?? ours?.id ?? 'resource', email: raw.email };
    }
    if (raw.cutype === 'group') {
      const groupId = raw.name ? this.groupByName.get(raw.name.toLowerCase()) : undefined;
      return groupId ? { kind: 'group', groupId, role: raw.role } : null;
    }
    if (!raw.email) return null;
    const userId = this.userByEmail.get(key(raw.email));
    if (userId) return { kind: 'user', userId, role: raw.role, status: raw.partstat };
    const contactId = await this.contactIdByEmail(ctx, raw.email);
    return contactId ? { kind: 'contact', contactId, role: raw.role, status: raw.partstat } : null;
  }

  organizer(raw: RawOrganizer | null): Id | null {
    const ours = raw ? parseCrmsyncUri(raw.uri) : null;
    if (ours?.kind === 'user' && this.users.has(ours.id)) return ours.id;
    return raw?.email ? this.userByEmail.get(key(raw.email)) ?? null : null;
  }

  /** Loads the contacts that the next appointments to render name, for `resolver`. */
  async preloadContacts(ctx: CrmContext, ids: readonly Id[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.contactParty.has(id));
    for (const c of await contacts.getMany(ctx, missing)) {
      this.contactParty.set(c.id, { name: contactDisplayName(c), email: c.emails[0]?.value ?? null });
    }
    for (const id of missing) if (!this.contactParty.has(id)) this.contactParty.set(id, null);
  }

  resolver(): AttendeeResolver {
    return {
      user: (id) => this.users.get(id) ?? null,
      group: (id) => { const name = this.groups.get(id); return name === undefined ? null : { name, email: null }; },
      contact: (id) => this.contactParty.get(id) ?? null,
    };
  }
}
