// API-level schemas: the records as the API returns them (the domain input schemas plus the
// fields the store sets), paging, and small shared pieces. Schemas with a meta id become
// OpenAPI components.
import { z } from 'zod';
import {
  appointmentInputSchema, contactInputSchema, syncSettingsSchema, taskInputSchema,
} from '../domain/schemas.js';
import { RIGHTS } from '../domain/records.js';

const stored = {
  id: z.string(),
  uid: z.string(),
  externalId: z.string().nullable(),
  createdAt: z.number().int().describe('epoch ms'),
  updatedAt: z.number().int().describe('epoch ms'),
  version: z.number().int().describe('increments on every write; the ETag'),
};

// .meta() returns a named copy that validates exactly like the domain schema.
export const contactBody = contactInputSchema.meta({ id: 'ContactInput' });
export const appointmentBody = appointmentInputSchema.meta({ id: 'AppointmentInput' });
export const taskBody = taskInputSchema.meta({ id: 'TaskInput' });
export const syncSettings = syncSettingsSchema.meta({ id: 'SyncSettings' });

export const contactSchema = z.object({ ...contactInputSchema.shape, ...stored }).meta({ id: 'Contact' });
export const appointmentSchema = z.object({ ...appointmentInputSchema.shape, ...stored }).meta({ id: 'Appointment' });
export const taskSchema = z.object({ ...taskInputSchema.shape, ...stored, dateOnly: z.boolean().optional() }).meta({ id: 'Task' });

/** A PATCH body: any subset of the fields, with no defaults filled in (absent means "keep"). */
export function patchOf(shape: Record<string, z.ZodType>, id: string) {
  const fields = Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, (s instanceof z.ZodDefault ? s.unwrap() as z.ZodType : s).optional()]));
  return z.object(fields).strict().meta({ id });
}

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  isAdmin: z.boolean(),
  disabled: z.boolean(),
  departmentId: z.string().nullable(),
  rights: z.array(z.enum(RIGHTS)).describe('A4 rights; administrators hold all implicitly'),
  settings: syncSettings,
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
}).meta({ id: 'User' });

export const groupSchema = z.object({
  id: z.string(), name: z.string(), memberIds: z.array(z.string()), createdAt: z.number().int(), updatedAt: z.number().int(),
}).meta({ id: 'Group' });

export const departmentSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.number().int() }).meta({ id: 'Department' });

export const authorSchema = z.object({
  kind: z.enum(['user', 'token', 'device', 'target', 'system']),
  id: z.string().nullable(),
  label: z.string(),
}).meta({ id: 'Author' });

export const journalEntrySchema = z.object({
  id: z.number().int(),
  at: z.number().int(),
  author: authorSchema,
  recordKind: z.enum(['contact', 'appointment', 'task', 'tick']),
  recordId: z.string(),
  subjectUserId: z.string().nullable().describe('for ticks: whose sync tick changed'),
  action: z.enum(['create', 'update', 'delete', 'tick', 'untick']),
  before: z.unknown(),
  after: z.unknown(),
  undoOf: z.number().int().nullable(),
  undoneBy: z.number().int().nullable(),
}).meta({ id: 'JournalEntry' });

export const collectionSchema = z.object({
  id: z.string(),
  userId: z.string(),
  unit: z.enum(['contacts', 'calendar', 'tasks']),
  ownerUserId: z.string().describe("whose records it shows: the user, or a colleague's calendar (A4)"),
  revision: z.number().int(),
  minRevision: z.number().int().describe('oldest revision a change query can start from'),
}).meta({ id: 'Collection' });

export const limitParam = z.coerce.number().int().min(1).max(500).default(50);
export const cursorParam = z.string().min(1).max(2000).optional().describe('nextCursor of the previous page');
export const idParams = z.object({ id: z.string().min(1).max(200) });

export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable().describe('null on the last page') }).meta({ id });
