// Appointments (SPEC Records, S2, S4).
import { z } from 'zod';
import { appointments, listAppointments } from '../../crm/appointments.js';
import { APPOINTMENT_STATUSES, type Appointment } from '../../domain/records.js';
import { appointmentInputSchema } from '../../domain/schemas.js';
import { visibleAppointments } from '../access.js';
import type { ApiRouter } from '../router.js';
import { appointmentBody, appointmentSchema, cursorParam, limitParam, pageOf, patchOf } from '../schemas.js';
import { pageVisible, registerRecordRoutes } from './records.js';

const epochMs = z.coerce.number().int().min(0);

const listQuery = z.object({
  from: epochMs.optional().describe('epoch ms: only appointments ending after this'),
  to: epochMs.optional().describe('epoch ms: only appointments starting before this'),
  participantId: z.string().min(1).max(200).optional().describe('a user or group id: organizer or attendee'),
  status: z.enum(APPOINTMENT_STATUSES).optional(),
  limit: limitParam,
  cursor: cursorParam,
});

export function appointmentRoutes(api: ApiRouter): void {
  const ctx = api.app.crm;
  const tag = 'Appointments';
  registerRecordRoutes<Appointment>(api, {
    kind: 'appointment', plural: 'appointments', tag, store: appointments,
    body: appointmentBody,
    patch: patchOf(appointmentInputSchema.shape, 'AppointmentPatch'),
    schema: appointmentSchema,
    visible: visibleAppointments,
  });

  api.add({
    method: 'GET', path: '/appointments', operationId: 'listAppointments', tag, access: 'user',
    summary: 'List appointments by time range, participant and status, keyset-paged (by start)',
    description: 'Private appointments are listed only for their participants and admins (S4). '
      + 'A page may hold fewer than `limit` items; continue while nextCursor is not null.',
    query: listQuery,
    response: { status: 200, description: 'A page of appointments', schema: pageOf(appointmentSchema, 'AppointmentPage') },
    handler: async ({ query, principal }) => {
      const { limit, cursor, ...filter } = query;
      return pageVisible((l, c) => listAppointments(ctx, filter, { limit: l, cursor: c }),
        (items) => visibleAppointments(ctx, principal.user, items), limit, cursor);
    },
  });
}
