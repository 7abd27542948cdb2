// Departments (SPEC Records; A4 colleague calendars and S1 visibility follow them; admin only).
import { z } from 'zod';
import { createDepartment, getDepartment, listDepartments } from '../../crm/users.js';
import { pageInMemory } from '../paging.js';
import type { ApiRouter } from '../router.js';
import { cursorParam, departmentSchema, idParams, limitParam, pageOf } from '../schemas.js';

export function departmentRoutes(api: ApiRouter): void {
  const ctx = api.app.crm;
  const tag = 'Departments';

  api.add({
    method: 'GET', path: '/departments', operationId: 'listDepartments', tag, access: 'admin',
    summary: 'List departments, keyset-paged (by name)',
    query: z.object({ q: z.string().min(1).max(200).optional(), limit: limitParam, cursor: cursorParam }),
    response: { status: 200, description: 'A page of departments', schema: pageOf(departmentSchema, 'DepartmentPage') },
    handler: async ({ query }) => {
      const needle = query.q?.toLowerCase();
      const all = (await listDepartments(ctx)).filter((d) => needle === undefined || d.name.toLowerCase().includes(needle));
      return pageInMemory(all, (d) => [d.name, d.id], query.limit, query.cursor);
    },
  });

  api.add({
    method: 'POST', path: '/departments', operationId: 'createDepartment', tag, access: 'admin',
    summary: 'Create a department',
    body: z.object({ name: z.string().trim().min(1).max(200) }).strict(),
    response: { status: 201, description: 'The new department', schema: departmentSchema },
    errors: [409],
    handler: async ({ body }) => createDepartment(ctx, body.name),
  });

  api.add({
    method: 'GET', path: '/departments/:id', operationId: 'getDepartment', tag, access: 'admin',
    summary: 'Read a department',
    params: idParams,
    response: { status: 200, description: 'The department', schema: departmentSchema },
    errors: [404],
    handler: async ({ params }) => getDepartment(ctx, params.id),
  });
}
