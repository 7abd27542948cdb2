// Who made a change (X5 journal; the change feed serves changes made by devices and targets).
export type AuthorKind = 'user' | 'token' | 'device' | 'target' | 'system';

export interface Author {
  kind: AuthorKind;
  /** User id, token id, device id or target id; null for the system itself. */
  id: string | null;
  /** Human-readable, e.g. "alice", "alice_device=iPhone", "token ci-import". */
  label: string;
}

export const SYSTEM: Author = { kind: 'system', id: null, label: 'system' };
export const userAuthor = (id: string, username: string): Author => ({ kind: 'user', id, label: username });

/** Changes that an external CRM must take back through the change feed (not its own pushes). */
export const FOREIGN_AUTHOR_KINDS: readonly AuthorKind[] = ['device', 'target'];
