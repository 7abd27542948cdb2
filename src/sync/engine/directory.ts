// The CRM's people as a connector's attendee directory: users, groups and contacts by id, so
// copies written to targets name their participants (G2/G3). Loaded once per batch: the
// connector's resolver is synchronous.
import type { CrmContext } from '../../crm/context.js';
import { chunks } from '../../crm/context.js';
import { rowToContact } from '../../crm/rows.js';
import { contactDisplayName } from '../../crm/rows.js';
import type { Appointment, Id } from '../../domain/records.js';
import { defaultDirectory, type AttendeeDirectory } from '../../connectors/caldav/index.js';

interface Party { name: string; email: string | null }

export async function loadDirectory(ctx: CrmContext, appointments: readonly Pick<Appointment, 'attendees'>[]): Promise<AttendeeDirectory> {
  const users = new Map<Id, Party>();
  for (const u of await ctx.db.selectFrom('users').select(['id', 'display_name', 'email']).execute()) {
    users.set(u.id, { name: u.display_name, email: u.email });
  }
  const groups = new Map<Id, Party>();
  for (const g of await ctx.db.selectFrom('groups').select(['id', 'name']).execute()) groups.set(g.id, { name: g.name, email: null });
  const contactIds = [...new Set(appointments.flatMap((a) => a.attendees.flatMap((x) => (x.kind === 'contact' ? [x.contactId] : []))))];
  const contacts = new Map<Id, Party>();
  for (const part of chunks(contactIds, 500)) {
    for (const r of await ctx.db.selectFrom('contacts').selectAll().where('id', 'in', part).execute()) {
      const c = rowToContact(r);
      contacts.set(c.id, { name: contactDisplayName(c), email: c.emails[0]?.value ?? null });
    }
  }
  return {
    user: (id) => users.get(id) ?? null,
    group: (id) => groups.get(id) ?? null,
    contact: (id) => contacts.get(id) ?? null,
    identify: defaultDirectory.identify,
  };
}
