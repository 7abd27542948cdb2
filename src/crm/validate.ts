import type { z } from 'zod';
import { invalid } from '../domain/errors.js';

/** Parses with a zod schema; failures become a CrmError naming every offending field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
  const first = issues[0];
  throw invalid(`invalid ${what}: ${first ? `${first.path}: ${first.message}` : 'rejected'}`, issues);
}
