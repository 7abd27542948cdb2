// I1: a contact created on a device or target enters the CRM only in two-way mode and only when
// a category names a customer or a prospect (words configurable, 004); otherwise it is reported
// (and over CardDAV refused with 403 and this reason).
import type { SyncSettings } from './records.js';

export type ImportDecision =
  | { accept: true; category: 'customer' | 'prospect' }
  | { accept: false; reason: string };

const norm = (s: string) => s.trim().toLocaleLowerCase('de');

export function classifyNewContact(categories: readonly string[], settings: Pick<SyncSettings, 'importCustomerWords' | 'importProspectWords'>): ImportDecision {
  const given = new Set(categories.map(norm));
  if (settings.importCustomerWords.some((w) => given.has(norm(w)))) return { accept: true, category: 'customer' };
  if (settings.importProspectWords.some((w) => given.has(norm(w)))) return { accept: true, category: 'prospect' };
  const words = [...settings.importCustomerWords, ...settings.importProspectWords].map((w) => `"${w}"`).join(', ');
  return { accept: false, reason: `new contacts are accepted only with a category naming a customer or prospect (one of ${words}) (SPEC I1)` };
}
