import type { z } from 'zod';

/** A zod failure as one line naming the field: "invalid contact: emails.0.value: not an e-mail address". */
export function issueText(what: string, issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (!first) return `invalid ${what}`;
  const path = first.path.map(String).join('.') || '(root)';
  return `invalid ${what}: ${path}: ${first.message}`;
}
