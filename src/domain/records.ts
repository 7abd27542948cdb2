// The leading system's records (SPEC "Records"). Plain data, no I/O.
// Times are epoch milliseconds (UTC); calendar dates are ISO "YYYY-MM-DD" strings;
// recurrence values keep their RFC 5545 text so that nothing is lost in translation (R1).

export type Id = string;

/** Contacts are either a private person or a company (SPEC Records; 004 maps them differently). */
export const CONTACT_KINDS = ['person', 'company'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

export const PHONE_TYPES = ['business', 'private', 'mobile', 'fax', 'other'] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];
export const EMAIL_TYPES = ['business', 'private', 'other'] as const;
export type EmailType = (typeof EMAIL_TYPES)[number];
export const ADDRESS_TYPES = ['business', 'private', 'other'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

export interface Phone { type: PhoneType; value: string; preferred?: boolean }
export interface Email { type: EmailType; value: string; preferred?: boolean }
export interface PostalAddress {
  type: AddressType;
  street: string;
  locality: string;
  region: string;
  postalCode: string;
  country: string;
  poBox?: string;
  extended?: string;
}
export type Gender = 'male' | 'female' | 'other';
export interface Photo { mediaType: string; /** base64 */ data: string }

export interface Contact {
  id: Id;
  /** Id of the record in an external CRM that pushes its records in (idempotent upsert). */
  externalId: string | null;
  /** vCard UID; our own id unless the contact came from a device with its own UID. */
  uid: string;
  kind: ContactKind;
  prefix: string;
  givenName: string;
  middleName: string;
  familyName: string;
  suffix: string;
  nickname: string;
  organization: string;
  department: string;
  jobTitle: string;
  profession: string;
  gender: Gender | null;
  /** "YYYY-MM-DD", or "--MM-DD" when the year is unknown (Apple's year-less birthdays). */
  birthday: string | null;
  addresses: PostalAddress[];
  phones: Phone[];
  emails: Email[];
  websites: string[];
  note: string;
  photo: Photo | null;
  tags: string[];
  /** customer, prospect, broker, supplier, ... (free text; I1 maps device categories onto it). */
  category: string | null;
  responsibleUserId: Id | null;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
  /** Increments on every write; the basis of ETags and optimistic concurrency. */
  version: number;
}

export const APPOINTMENT_STATUSES = ['confirmed', 'tentative', 'cancelled'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** Either a timed span in an IANA zone, or whole days that stay on their date everywhere (R3). */
export type Timing =
  | { allDay: false; start: number; end: number; timeZone: string }
  | { allDay: true; startDate: string; /** exclusive, as DTEND;VALUE=DATE */ endDate: string };

export interface Recurrence {
  /** RRULE value, e.g. "FREQ=MONTHLY;BYDAY=3MO" (no "RRULE:" prefix). */
  rrule: string | null;
  /** RDATE/EXDATE values in the series' own form: "20260105T090000" (local in series zone) or "20260105" (all-day). */
  rdates: string[];
  exdates: string[];
}

/** A moved, changed or cancelled occurrence, keyed by its original start in the series' zone (R2). */
export interface OccurrenceOverride {
  /** Original start, same form as exdates: local time in series zone, or a date for all-day series. */
  recurrenceId: string;
  cancelled: boolean;
  title?: string;
  note?: string;
  location?: string;
  timing?: Timing;
  status?: AppointmentStatus;
  /**
   * This occurrence's own reminders, where they differ from the series' (an iCalendar override
   * carries its own VALARMs, RFC 5545 §3.8.4.4: none at all is a difference). Absent = the series'.
   */
  reminders?: Reminder[];
}

export type AttendeeRole = 'required' | 'optional';
export type ParticipationStatus = 'needs-action' | 'accepted' | 'declined' | 'tentative';
export type Attendee =
  | { kind: 'user'; userId: Id; role: AttendeeRole; status: ParticipationStatus }
  | { kind: 'group'; groupId: Id; role: AttendeeRole }
  | { kind: 'contact'; contactId: Id; role: AttendeeRole; status: ParticipationStatus }
  | { kind: 'resource'; name: string; email: string | null };

export interface Reminder { minutesBefore: number }

export interface Appointment {
  id: Id;
  externalId: string | null;
  /** iCalendar UID. */
  uid: string;
  title: string;
  note: string;
  location: string;
  timing: Timing;
  recurrence: Recurrence | null;
  overrides: OccurrenceOverride[];
  status: AppointmentStatus;
  private: boolean;
  organizerUserId: Id | null;
  attendees: Attendee[];
  reminders: Reminder[];
  linkedContactIds: Id[];
  createdAt: number;
  updatedAt: number;
  version: number;
}

export const TASK_STATUSES = ['needs-action', 'in-process', 'completed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface Task {
  id: Id;
  externalId: string | null;
  uid: string;
  title: string;
  note: string;
  start: number | null;
  due: number | null;
  /**
   * start/due are calendar dates without a time (iCalendar VALUE=DATE, e.g. Apple Reminders),
   * held as UTC midnight of the date. Absent = false. (Added for src/formats, R3 for tasks.)
   */
  dateOnly?: boolean;
  /** RFC 5545 PRIORITY: 0 undefined, 1 highest .. 9 lowest. */
  priority: number;
  status: TaskStatus;
  percentComplete: number;
  completedAt: number | null;
  responsibleUserIds: Id[];
  linkedContactIds: Id[];
  createdAt: number;
  updatedAt: number;
  version: number;
}

/** A4: what a user may do beyond their own data. Admins implicitly hold all rights. */
export const RIGHTS = ['sync_for_others', 'tick_for_others', 'add_colleague_calendars', 'view_all_contacts'] as const;
export type Right = (typeof RIGHTS)[number];

export const UNITS = ['contacts', 'calendar', 'tasks'] as const;
export type Unit = (typeof UNITS)[number];

/** S1 filters and S2 windows, per user (U2). */
export interface SyncSettings {
  contactKinds: ContactKind[];
  /** Empty = no tag filter; otherwise a contact needs any of these tags (S1). */
  contactTags: string[];
  /** Empty = any category. */
  contactCategories: string[];
  /** Empty = any responsible agent. */
  contactResponsibleUserIds: Id[];
  /** S2 window: appointments that ended more than this many days ago leave the set. */
  pastDays: number;
  /** S2: when set, only appointments modified within this many days. */
  modifiedWithinDays: number | null;
  /** S4: keep private appointments out of this user's devices. */
  excludePrivate: boolean;
  /** D1 for the user's own devices (CalDAV/CardDAV), per unit. A one-way unit is read-only there (D3). */
  deviceModes: Record<Unit, DeviceMode>;
  /** X1 for devices: what a contact deleted on a device does in the CRM. */
  deviceContactDeletion: 'untick' | 'archive';
  /** I1: category words on a new device contact that make it a customer or a prospect (004). */
  importCustomerWords: string[];
  importProspectWords: string[];
  /** I2: only accept new device appointments that are linked to a contact. */
  importAppointmentsNeedContact: boolean;
}

export type DeviceMode = 'one-way' | 'two-way';

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
  contactKinds: ['person', 'company'],
  contactTags: [],
  contactCategories: [],
  contactResponsibleUserIds: [],
  pastDays: 30,
  modifiedWithinDays: null,
  excludePrivate: false,
  deviceModes: { contacts: 'two-way', calendar: 'two-way', tasks: 'two-way' },
  deviceContactDeletion: 'untick',
  importCustomerWords: ['Customer', 'Kunde', 'Cliente'],
  importProspectWords: ['Prospect', 'Interessent', 'Potenziale'],
  importAppointmentsNeedContact: false,
};

export interface User {
  id: Id;
  username: string;
  displayName: string;
  email: string | null;
  isAdmin: boolean;
  disabled: boolean;
  departmentId: Id | null;
  rights: Right[];
  settings: SyncSettings;
  createdAt: number;
  updatedAt: number;
}

export interface Group { id: Id; name: string; memberIds: Id[]; createdAt: number; updatedAt: number }
export interface Department { id: Id; name: string; createdAt: number }

export type RecordKind = 'contact' | 'appointment' | 'task';
export type CrmRecord = Contact | Appointment | Task;
