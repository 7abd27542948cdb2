// Tasks (SPEC Records, S3, X3).
import type { Author } from '../domain/authors.js';
import type { Id, Task } from '../domain/records.js';
import { taskInputSchema, type TaskData } from '../domain/schemas.js';
import { taskDeletionEffect } from '../domain/deletion.js';
import type { CrmContext } from './context.js';
import { reconcileTask } from './membership.js';
import { RecordStore, type StoredRecord } from './recordStore.js';
import { rowToTask, taskToRow } from './rows.js';
import { decodeCursor, encodeCursor, type Page } from './paging.js';

function buildTask(data: TaskData): Omit<Task, keyof StoredRecord> {
  const { externalId: _e, uid: _u, ...fields } = data;
  return { ...fields, responsibleUserIds: [...new Set(fields.responsibleUserIds)] } as Omit<Task, keyof StoredRecord>;
}

async function writeResponsibles(ctx: CrmContext, t: Task, replace: boolean): Promise<void> {
  if (replace) await ctx.db.deleteFrom('task_responsibles').where('task_id', '=', t.id).execute();
  if (t.responsibleUserIds.length > 0) {
    await ctx.db.insertInto('task_responsibles').values(t.responsibleUserIds.map((user_id) => ({ task_id: t.id, user_id }))).execute();
  }
}

export const tasks = new RecordStore<Task, typeof taskInputSchema>({
  kind: 'task',
  table: 'tasks',
  schema: taskInputSchema,
  build: buildTask,
  toRow: taskToRow as never,
  fromRow: rowToTask as never,
  referencedUsers: (t) => ({ field: 'responsibleUserIds', ids: t.responsibleUserIds }),
  writeSideTables: writeResponsibles,
  reconcile: (ctx, t) => reconcileTask(ctx, t, true),
});

/** X3: the user leaves the task's responsible field; with nobody left it is cancelled. */
export async function applyTaskDeletion(ctx: CrmContext, id: Id, userId: Id, author: Author): Promise<Task> {
  const t = await tasks.get(ctx, id);
  return tasks.update(ctx, id, taskDeletionEffect(t, userId), author);
}

export interface TaskFilter { responsibleUserId?: Id; status?: Task['status'] }

export async function listTasks(ctx: CrmContext, f: TaskFilter, page: { limit: number; cursor?: string }): Promise<Page<Task>> {
  let q = ctx.db.selectFrom('tasks').selectAll();
  if (f.status) q = q.where('status', '=', f.status);
  if (f.responsibleUserId) { const u = f.responsibleUserId; q = q.where('id', 'in', (eb) => eb.selectFrom('task_responsibles').select('task_id').where('user_id', '=', u)); }
  if (page.cursor) {
    const [id] = decodeCursor(page.cursor, 1) as [string];
    q = q.where('id', '>', id);
  }
  const rows = await q.orderBy('id').limit(page.limit + 1).execute();
  const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
  return { items: rows.slice(0, page.limit).map(rowToTask), nextCursor: last ? encodeCursor([last.id]) : null };
}
