// Export (issue 2 item 7): the whole CRM, or one user's sync set (the members of their
// collections, S1–S3), as vCard 3.0 and iCalendar, rendered by the formats module. Attendees
// are written with users' and contacts' e-mail addresses (G2: SCHEDULE-AGENT=CLIENT, no invitations).
import type { Id, Unit } from '../domain/records.js';
import { appointments } from '../crm/appointments.js';
import { contacts } from '../crm/contacts.js';
import { chunks, type CrmContext } from '../crm/context.js';
import { listCollections, listMembers } from '../crm/syncSets.js';
import { tasks } from '../crm/tasks.js';
import { renderAppointment, renderTask, renderVCard } from '../formats/index.js';
import { CalendarFileBuilder } from './calendarFile.js';
import { Directory } from './parties.js';
import { ProgressCounter, type ProgressListener } from './progress.js';

export const EXPORT_FILES = { contacts: 'contacts.vcf', calendar: 'calendar.ics', tasks: 'tasks.ics' } as const satisfies Record<Unit, string>;

export interface ExportResult {
  /** File name → content. */
  files: Record<(typeof EXPORT_FILES)[Unit], string>;
  counts: Record<Unit, number>;
}

export interface ExportOptions {
  /** Export this user's sync set instead of the whole CRM. */
  userId?: Id;
  onProgress?: ProgressListener;
}

const TABLES = { contacts: 'contacts', calendar: 'appointments', tasks: 'tasks' } as const;
const PAGE = 500;
const byId = (a: { id: Id }, b: { id: Id }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function idsOf(ctx: CrmContext, unit: Unit, userId: Id | undefined): Promise<Id[]> {
  if (userId === undefined) {
    const rows = await ctx.db.selectFrom(TABLES[unit]).select('id').orderBy('id').execute();
    return rows.map((r) => r.id);
  }
  const ids = new Set<Id>();
  for (const c of await listCollections(ctx, userId)) {
    if (c.unit === unit) for (const m of await listMembers(ctx, c.id)) ids.add(m.itemId);
  }
  return [...ids].sort();
}

export async function exportCrm(ctx: CrmContext, opts: ExportOptions = {}): Promise<ExportResult> {
  const ids = {
    contacts: await idsOf(ctx, 'contacts', opts.userId),
    calendar: await idsOf(ctx, 'calendar', opts.userId),
    tasks: await idsOf(ctx, 'tasks', opts.userId),
  };
  const progress = new ProgressCounter(ids.contacts.length + ids.calendar.length + ids.tasks.length, opts.onProgress);
  const directory = await Directory.load(ctx);

  const cards: string[] = [];
  for (const part of chunks(ids.contacts, PAGE)) {
    for (const c of (await contacts.getMany(ctx, part)).sort(byId)) cards.push(renderVCard(c, { version: '3.0' }));
    progress.advance(part.length);
  }
  const calendar = new CalendarFileBuilder();
  for (const part of chunks(ids.calendar, PAGE)) {
    const batch = (await appointments.getMany(ctx, part)).sort(byId);
    await directory.preloadContacts(ctx, batch.flatMap((a) => a.attendees.flatMap((x) => (x.kind === 'contact' ? [x.contactId] : []))));
    for (const a of batch) calendar.add(renderAppointment(a, { resolver: directory.resolver() }));
    progress.advance(part.length);
  }
  const todo = new CalendarFileBuilder();
  for (const part of chunks(ids.tasks, PAGE)) {
    for (const t of (await tasks.getMany(ctx, part)).sort(byId)) todo.add(renderTask(t));
    progress.advance(part.length);
  }
  return {
    files: { 'contacts.vcf': cards.join(''), 'calendar.ics': calendar.toString(), 'tasks.ics': todo.toString() },
    counts: { contacts: ids.contacts.length, calendar: ids.calendar.length, tasks: ids.tasks.length },
  };
}
