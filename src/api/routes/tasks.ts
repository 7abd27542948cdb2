// Tasks (SPEC Records, S3).
import { z } from 'zod';
import { listTasks, tasks } from '../../crm/tasks.js';
import { TASK_STATUSES, type Task } from '../../domain/records.js';
import { taskInputSchema } from '../../domain/schemas.js';
import type { ApiRouter } from '../router.js';
import { cursorParam, limitParam, pageOf, patchOf, taskBody, taskSchema } from '../schemas.js';
import { registerRecordRoutes } from './records.js';

const listQuery = z.object({
  responsibleUserId: z.string().min(1).max(200).optional(),
  status: z.enum(TASK_STATUSES).optional(),
  limit: limitParam,
  cursor: cursorParam,
});

export function taskRoutes(api: ApiRouter): void {
  const ctx = api.app.crm;
  const tag = 'Tasks';
  registerRecordRoutes<Task>(api, {
    kind: 'task', plural: 'tasks', tag, store: tasks,
    body: taskBody,
    patch: patchOf(taskInputSchema.shape, 'TaskPatch'),
    schema: taskSchema,
    visible: async (_ctx, _user, list) => [...list], // tasks carry no visibility rule of their own
  });

  api.add({
    method: 'GET', path: '/tasks', operationId: 'listTasks', tag, access: 'user',
    summary: 'List tasks by responsible user and status, keyset-paged',
    query: listQuery,
    response: { status: 200, description: 'A page of tasks', schema: pageOf(taskSchema, 'TaskPage') },
    handler: async ({ query }) => {
      const { limit, cursor, ...filter } = query;
      return listTasks(ctx, filter, { limit, cursor });
    },
  });
}
