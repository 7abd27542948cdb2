// iCalendar files → appointments and tasks (issue 2 item 7): an appointment gets the importing
// user as a required attendee who accepted (S2), a task gets them as responsible (S3). An item
// whose UID is already in the CRM is matched, not duplicated (M1, M2); the user is added to it
// when missing. Items are written in batches, one transaction each.
import type { Author } from '../domain/authors.js';
import { CrmError } from '../domain/errors.js';
import type { Appointment, Attendee, Id, Task } from '../domain/records.js';
import { appointments, importAppointments, withImportingUser } from '../crm/appointments.js';
import { parseInput } from '../crm/validate.js';
import { appointmentInputSchema, type AppointmentData } from '../domain/schemas.js';
import { chunks, inTransaction, type CrmContext } from '../crm/context.js';
import { tasks } from '../crm/tasks.js';
import { splitCalendarObjects, type CalendarFileEntry, type ParsedCalendarObject } from '../formats/index.js';
import { countMatches } from './chunks.js';
import type { Directory } from './parties.js';
import type { ProgressCounter } from './progress.js';
import type { EntryFailure, ImportReport } from './report.js';

export interface CalendarImportOptions {
  author: Author;
  userId: Id;
  batchSize: number;
  directory: Directory;
}

/** Items (one UID each) in a file, estimated before parsing: components less their overrides. */
export const countCalendarItems = (text: string) =>
  countMatches(text, /^begin:(vevent|vtodo)\s*$/gim) - countMatches(text, /^recurrence-id[;:]/gim);

async function attendeesOf(tx: CrmContext, obj: Extract<ParsedCalendarObject, { kind: 'appointment' }>, dir: Directory): Promise<Attendee[]> {
  const out: Attendee[] = [];
  for (const raw of obj.attendees) {
    const a = await dir.attendee(tx, raw);
    if (a) out.push(a);
  }
  return out;
}

const attends = (a: Appointment, userId: Id) => a.attendees.some((x) => x.kind === 'user' && x.userId === userId);

/** A matched appointment gets the user as attendee when missing (written at once, as before). */
async function matchAppointment(tx: CrmContext, existing: Appointment, opts: CalendarImportOptions): Promise<void> {
  if (!attends(existing, opts.userId)) await appointments.update(tx, existing.id, { attendees: withImportingUser(existing.attendees, opts.userId) }, opts.author);
}

/** A new appointment's validated input: the file's fields, its resolved attendees and the importing user. */
async function newAppointmentData(tx: CrmContext, obj: Extract<ParsedCalendarObject, { kind: 'appointment' }>, opts: CalendarImportOptions): Promise<AppointmentData> {
  const attendees = withImportingUser(await attendeesOf(tx, obj, opts.directory), opts.userId);
  const linkedContactIds = [...new Set(attendees.flatMap((a) => (a.kind === 'contact' ? [a.contactId] : [])))];
  return parseInput(appointmentInputSchema, {
    ...obj.fields, uid: obj.uid, attendees, organizerUserId: opts.directory.organizer(obj.organizer), linkedContactIds,
  }, 'appointment');
}

async function importTask(tx: CrmContext, obj: Extract<ParsedCalendarObject, { kind: 'task' }>, existing: Task | undefined, opts: CalendarImportOptions): Promise<boolean> {
  if (existing) {
    if (!existing.responsibleUserIds.includes(opts.userId)) {
      await tasks.update(tx, existing.id, { responsibleUserIds: [...existing.responsibleUserIds, opts.userId] }, opts.author);
    }
    return true;
  }
  await tasks.create(tx, { ...obj.fields, uid: obj.uid, responsibleUserIds: [opts.userId] }, opts.author);
  return false;
}

async function existingByUid<R extends { uid: string }>(tx: CrmContext, table: 'appointments' | 'tasks', uids: string[], load: (ids: string[]) => Promise<R[]>): Promise<Map<string, R>> {
  if (uids.length === 0) return new Map();
  const rows = await tx.db.selectFrom(table).select('id').where('uid', 'in', uids).execute();
  return new Map((await load(rows.map((r) => r.id))).map((r) => [r.uid, r]));
}

/**
 * Writes one batch in one transaction. A CrmError (invalid field, unknown zone, ...) fails only its
 * entry: every such check runs before the entry's first write, so the transaction stays usable.
 */
async function importBatch(ctx: CrmContext, file: string, batch: CalendarFileEntry[], opts: CalendarImportOptions, report: ImportReport): Promise<void> {
  const failures: EntryFailure[] = [];
  const outcomes = await inTransaction(ctx, async (tx) => {
    const uidsOf = (kind: 'appointment' | 'task') => batch.filter((e) => e.object.kind === kind).map((e) => e.object.uid);
    const appts = await existingByUid(tx, 'appointments', uidsOf('appointment'), (ids) => appointments.getMany(tx, ids));
    const todos = await existingByUid(tx, 'tasks', uidsOf('task'), (ids) => tasks.getMany(tx, ids));
    const done: { kind: 'appointments' | 'tasks'; matched: boolean }[] = [];
    // New appointments are validated here, one by one (a bad entry fails alone), and written
    // together by importAppointments at the end of the batch.
    const fresh: { entry: CalendarFileEntry; data: AppointmentData }[] = [];
    for (const e of batch) {
      try {
        const obj = e.object;
        if (obj.kind === 'appointment') {
          const existing = appts.get(obj.uid);
          if (existing) await matchAppointment(tx, existing, opts);
          else fresh.push({ entry: e, data: await newAppointmentData(tx, obj, opts) });
          if (existing) done.push({ kind: 'appointments', matched: true });
        } else {
          done.push({ kind: 'tasks', matched: await importTask(tx, obj, todos.get(obj.uid), opts) });
        }
      } catch (err) {
        if (!(err instanceof CrmError)) throw err;
        failures.push({ file, index: e.index, line: e.line, message: err.message });
      }
    }
    const created = await importAppointments(tx, fresh.map((f) => f.data), opts.author, opts.userId);
    created.forEach((r, i) => {
      const e = fresh[i]!.entry;
      if (r.error) failures.push({ file, index: e.index, line: e.line, message: r.error.message });
      else done.push({ kind: 'appointments', matched: r.matched });
    });
    failures.sort((a, b) => a.index - b.index); // entry order, as when every entry was written in turn
    return done;
  });
  for (const o of outcomes) report.add(o.kind, o.matched);
  report.failures.push(...failures);
}

export async function importCalendarText(
  ctx: CrmContext, file: string, text: string, opts: CalendarImportOptions, report: ImportReport, progress: ProgressCounter,
): Promise<void> {
  const { entries, errors } = splitCalendarObjects(text);
  progress.adjustTotal(entries.length + errors.length - countCalendarItems(text));
  for (const e of errors) report.failures.push({ file, index: e.index, line: e.line, message: e.message });
  if (errors.length > 0) progress.advance(errors.length);
  for (const batch of chunks(entries, opts.batchSize)) {
    await importBatch(ctx, file, batch, opts, report);
    progress.advance(batch.length);
  }
}
