// Webhook events are journal entries (X5) under a name like "contact.updated". A subscription
// lists names or "<kind>.*" and receives those changes made by devices and targets (the change
// feed); "*" receives every change, whoever made it (issue 2 item 6).
import type { JournalEntry } from '../crm/journal.js';
import { FOREIGN_AUTHOR_KINDS } from '../domain/authors.js';

export const WEBHOOK_EVENTS = [
  'contact.created', 'contact.updated', 'contact.deleted', 'contact.ticked', 'contact.unticked',
  'appointment.created', 'appointment.updated', 'appointment.deleted',
  'task.created', 'task.updated', 'task.deleted',
] as const;

/** Valid entries of a subscription's `events`. */
export const EVENT_PATTERN = /^(\*|(contact|appointment|task)\.(\*|created|updated|deleted|ticked|unticked))$/;

export function eventName(e: Pick<JournalEntry, 'recordKind' | 'action'>): string {
  if (e.recordKind === 'tick') return e.action === 'tick' ? 'contact.ticked' : 'contact.unticked';
  const past = { create: 'created', update: 'updated', delete: 'deleted', tick: 'ticked', untick: 'unticked' }[e.action];
  return `${e.recordKind}.${past}`;
}

export function subscribes(events: readonly string[], e: Pick<JournalEntry, 'recordKind' | 'action' | 'author'>): boolean {
  if (events.includes('*')) return true;
  if (!FOREIGN_AUTHOR_KINDS.includes(e.author.kind)) return false;
  const name = eventName(e);
  const kind = name.slice(0, name.indexOf('.'));
  return events.includes(name) || events.includes(`${kind}.*`);
}
