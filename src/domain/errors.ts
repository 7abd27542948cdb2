// Typed failures of the CRM's rules. The API maps each to an HTTP status with a problem+json
// body, the CLI to a message and exit code, the DAV server to its own status and precondition.

export interface FieldIssue { path: string; message: string }

export class CrmError extends Error {
  constructor(readonly code: 'not_found' | 'conflict' | 'forbidden' | 'invalid' | 'expired_revision' | 'unauthorized',
    message: string, readonly issues: FieldIssue[] = []) {
    super(message);
    this.name = 'CrmError';
  }
}

export const notFound = (what: string, id: string) => new CrmError('not_found', `${what} ${id} does not exist`);
export const conflict = (message: string) => new CrmError('conflict', message);
export const forbidden = (message: string) => new CrmError('forbidden', message);
export const invalid = (message: string, issues: FieldIssue[] = []) => new CrmError('invalid', message, issues);

/** A change query started from a revision the change log no longer holds (retention cut). */
export class ExpiredRevisionError extends CrmError {
  constructor(readonly collectionId: string, readonly requested: number, readonly oldest: number) {
    super('expired_revision', `revision ${requested} of collection ${collectionId} has expired; the oldest answerable is ${oldest}`);
  }
}
