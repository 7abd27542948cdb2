// Input schemas for records (zod 4). Shared by the REST API, the CLI importer and the services,
// so a record is validated the same way whichever door it comes through.
import { z } from 'zod';
import {
  ADDRESS_TYPES, APPOINTMENT_STATUSES, CONTACT_KINDS, EMAIL_TYPES, PHONE_TYPES, RIGHTS, TASK_STATUSES,
} from './records.js';

const zones = new Set<string>([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
export function isKnownTimeZone(tz: string): boolean {
  return zones.has(tz);
}

const text = (max: number) => z.string().max(max);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'not a calendar date');
const epochMs = z.number().int().min(0).max(253_402_300_799_000); // up to 9999-12-31
const id = z.string().min(1).max(200);

export const phoneSchema = z.object({
  type: z.enum(PHONE_TYPES).default('other'),
  value: z.string().trim().min(1).max(100),
  preferred: z.boolean().optional(),
});
// Deliberately lenient (a CRM keeps what people type), but never a value no server could hold.
export const emailSchema = z.object({
  type: z.enum(EMAIL_TYPES).default('other'),
  value: z.string().trim().max(320).regex(/^[^\s@]+@[^\s@]+$/, 'not an e-mail address'),
  preferred: z.boolean().optional(),
});
export const addressSchema = z.object({
  type: z.enum(ADDRESS_TYPES).default('other'),
  street: text(500).default(''),
  locality: text(200).default(''),
  region: text(200).default(''),
  postalCode: text(50).default(''),
  country: text(200).default(''),
  poBox: text(100).optional(),
  extended: text(200).optional(),
});

export const contactInputSchema = z.object({
  externalId: z.string().min(1).max(200).nullable().optional(),
  uid: z.string().min(1).max(500).optional(),
  kind: z.enum(CONTACT_KINDS).default('person'),
  prefix: text(100).default(''),
  givenName: text(200).default(''),
  middleName: text(200).default(''),
  familyName: text(200).default(''),
  suffix: text(100).default(''),
  nickname: text(200).default(''),
  organization: text(300).default(''),
  department: text(300).default(''),
  jobTitle: text(300).default(''),
  profession: text(300).default(''),
  gender: z.enum(['male', 'female', 'other']).nullable().default(null),
  birthday: z.string().regex(/^(\d{4}|-)-\d{2}-\d{2}$/, 'expected YYYY-MM-DD or --MM-DD').nullable().default(null),
  addresses: z.array(addressSchema).max(50).default([]),
  phones: z.array(phoneSchema).max(50).default([]),
  emails: z.array(emailSchema).max(50).default([]),
  websites: z.array(text(2000)).max(20).default([]),
  note: text(100_000).default(''),
  photo: z.object({ mediaType: z.string().regex(/^image\/[\w.+-]+$/), data: z.string().max(7_000_000).regex(/^[A-Za-z0-9+/=\s]*$/, 'photo data must be base64') }).nullable().default(null),
  tags: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
  category: text(100).nullable().default(null),
  responsibleUserId: id.nullable().default(null),
  archived: z.boolean().default(false),
}).strict().refine(
  (c) => c.kind === 'company' ? c.organization.trim() !== '' : true,
  { message: 'a company contact needs an organization name', path: ['organization'] },
);
export type ContactInput = z.input<typeof contactInputSchema>;
export type ContactData = z.output<typeof contactInputSchema>;

const timingSchema = z.discriminatedUnion('allDay', [
  z.object({ allDay: z.literal(false), start: epochMs, end: epochMs, timeZone: z.string().refine(isKnownTimeZone, 'unknown IANA time zone') })
    .refine((t) => t.end >= t.start, { message: 'end must not be before start', path: ['end'] }),
  z.object({ allDay: z.literal(true), startDate: isoDate, endDate: isoDate })
    .refine((t) => t.endDate > t.startDate, { message: 'endDate (exclusive) must be after startDate', path: ['endDate'] }),
]);

const recurrenceValue = z.string().regex(/^\d{8}(T\d{6}Z?)?$/, 'expected YYYYMMDD or YYYYMMDDTHHMMSS');
const recurrenceSchema = z.object({
  rrule: z.string().max(1000).regex(/^FREQ=|;FREQ=/i, 'RRULE needs FREQ').nullable().default(null),
  rdates: z.array(recurrenceValue).max(1000).default([]),
  exdates: z.array(recurrenceValue).max(5000).default([]),
});
const appointmentStatus = z.enum(APPOINTMENT_STATUSES);
const remindersSchema = z.array(z.object({ minutesBefore: z.number().int().min(0).max(525_600) })).max(20);
const overrideSchema = z.object({
  recurrenceId: recurrenceValue,
  cancelled: z.boolean().default(false),
  title: text(1000).optional(),
  note: text(100_000).optional(),
  location: text(1000).optional(),
  timing: timingSchema.optional(),
  status: appointmentStatus.optional(),
  reminders: remindersSchema.optional(),
});
const role = z.enum(['required', 'optional']).default('required');
const partstat = z.enum(['needs-action', 'accepted', 'declined', 'tentative']).default('needs-action');
export const attendeeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: id, role, status: partstat }),
  z.object({ kind: z.literal('group'), groupId: id, role }),
  z.object({ kind: z.literal('contact'), contactId: id, role, status: partstat }),
  z.object({ kind: z.literal('resource'), name: z.string().min(1).max(300), email: z.string().max(320).nullable().default(null) }),
]);

export const appointmentInputSchema = z.object({
  externalId: z.string().min(1).max(200).nullable().optional(),
  uid: z.string().min(1).max(500).optional(),
  title: text(1000).default(''),
  note: text(100_000).default(''),
  location: text(1000).default(''),
  timing: timingSchema,
  recurrence: recurrenceSchema.nullable().default(null),
  overrides: z.array(overrideSchema).max(5000).default([]),
  status: appointmentStatus.default('confirmed'),
  private: z.boolean().default(false),
  organizerUserId: id.nullable().default(null),
  attendees: z.array(attendeeSchema).max(1000).default([]),
  reminders: remindersSchema.default([]),
  linkedContactIds: z.array(id).max(100).default([]),
}).strict();
export type AppointmentInput = z.input<typeof appointmentInputSchema>;
export type AppointmentData = z.output<typeof appointmentInputSchema>;

export const taskInputSchema = z.object({
  externalId: z.string().min(1).max(200).nullable().optional(),
  uid: z.string().min(1).max(500).optional(),
  title: text(1000).default(''),
  note: text(100_000).default(''),
  start: epochMs.nullable().default(null),
  due: epochMs.nullable().default(null),
  priority: z.number().int().min(0).max(9).default(0),
  status: z.enum(TASK_STATUSES).default('needs-action'),
  percentComplete: z.number().int().min(0).max(100).default(0),
  completedAt: epochMs.nullable().default(null),
  responsibleUserIds: z.array(id).max(100).default([]),
  linkedContactIds: z.array(id).max(100).default([]),
  /** Start and due are dates without a time (e.g. Apple Reminders' DUE;VALUE=DATE). */
  dateOnly: z.boolean().optional(),
}).strict().refine((t) => t.start === null || t.due === null || t.due >= t.start, { message: 'due must not be before start', path: ['due'] });
export type TaskInput = z.input<typeof taskInputSchema>;
export type TaskData = z.output<typeof taskInputSchema>;

export const usernameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/,
  'username: 1–63 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');
export const passwordSchema = z.string().min(8, 'password: at least 8 characters').max(1024);
export const rightsSchema = z.array(z.enum(RIGHTS));

const deviceMode = z.enum(['one-way', 'two-way']);
export const syncSettingsSchema = z.object({
  contactKinds: z.array(z.enum(CONTACT_KINDS)).min(1),
  contactTags: z.array(z.string().min(1).max(100)).max(100),
  contactCategories: z.array(z.string().min(1).max(100)).max(100),
  contactResponsibleUserIds: z.array(id).max(1000),
  pastDays: z.number().int().min(0).max(3650),
  modifiedWithinDays: z.number().int().min(1).max(3650).nullable(),
  excludePrivate: z.boolean(),
  deviceModes: z.object({ contacts: deviceMode, calendar: deviceMode, tasks: deviceMode }).strict(),
  deviceContactDeletion: z.enum(['untick', 'archive']),
  importCustomerWords: z.array(z.string().min(1).max(100)).max(50),
  importProspectWords: z.array(z.string().min(1).max(100)).max(50),
  importAppointmentsNeedContact: z.boolean(),
}).strict();
