// What the decision tables need to know beyond the cell itself: the unit and user, the conflict
// policy (C1), the per-target deletion behaviour for contacts (X1), the import rule (I1–I3), field
// rules (F2, F3) and per-record facts for the deletion effects (X2, X3, G1).
import type { Id, Unit } from '../../domain/records.js';
import type { FieldMap, FieldValue } from '../model/fields.js';
import type { RemoteItem } from '../model/state.js';
import { classifyNewContact } from '../../domain/importRule.js';
import { NO_FIELD_RULES, type FieldRules } from './limits.js';
import { DEFAULT_CONFLICT_POLICY, type ConflictPolicy } from './merge.js';

/**
 * Facts about a CRM record that decide what a deletion on the target does to it.
 * Built by the caller from the record and the user (the tables never read records).
 */
export type RecordFacts =
  | { unit: 'contacts' }
  | {
      unit: 'calendar';
      /**
       * How the appointment reaches this user's set (S2): 'direct' (the user is an attendee in
       * person — also when they attend through a group as well), 'group' (only through a group,
       * G1), 'colleague-calendar' (a colleague's calendar the user added, A4).
       */
      attendance: 'direct' | 'group' | 'colleague-calendar';
      /** Attendees other than this user (users, groups, contacts). X2: >0 → only remove this user. */
      otherAttendees: number;
    }
  | { unit: 'tasks'; /** Users other than this one in the responsible field (X3). */ otherResponsible: number };

/** X1, per target: 'removeSyncTick' (001 default) or 'archive' (002, Microsoft 365 mode). */
export type ContactDeletionMode = 'removeSyncTick' | 'archive';

/** Who or what a record created from a target item gets (I1–I3). */
export type ImportAssignment =
  | { kind: 'contactCategory'; category: 'customer' | 'prospect' }
  | { kind: 'attendee'; userId: Id }
  | { kind: 'responsible'; userId: Id };

export type ImportVerdict =
  | { accept: true; assign: ImportAssignment }
  | { accept: false; reason: string };

/** Decides whether an item created on the target may enter the CRM (two-way only). */
export type ImportRule = (remote: RemoteItem) => ImportVerdict;

export interface DecisionContext {
  unit: Unit;
  userId: Id;
  conflictPolicy: ConflictPolicy;
  contactDeletion: ContactDeletionMode;
  importRule: ImportRule;
  fieldRules: FieldRules;
  /** Facts per CRM record for deletion effects; `undefined` → the item is reported, not touched. */
  factsOf: (crmId: Id) => RecordFacts | undefined;
  /**
   * X2: does this remote change cancel the appointment? Default (calendar only): the `status`
   * field became 'cancelled'. A cancellation on the target is treated like a deletion in two-way
   * mode (one-way overwrites it like any change, D3).
   */
  isCancellation?: (remote: FieldMap, base: FieldMap | null) => boolean;
}

/** I1 default words (004), matched case-insensitively against the item's categories. */
export const DEFAULT_IMPORT_WORDS: Readonly<Record<'customer' | 'prospect', readonly string[]>> = {
  customer: ['Customer', 'Kunde', 'Cliente'],
  prospect: ['Prospect', 'Interessent', 'Potenziale'],
};

function stringsOf(v: FieldValue | undefined): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/**
 * I1: a contact created on the target enters the CRM when one of its categories (fields
 * `categories`, `tags` or `category`) names a customer or a prospect; customer words win over prospect
 * words when both occur.
 */
export function contactCategoryImportRule(words = DEFAULT_IMPORT_WORDS): ImportRule {
  const settings = { importCustomerWords: [...words.customer], importProspectWords: [...words.prospect] };
  return (remote) => {
    // vCard CATEGORIES arrive as `tags` (and `category` when it names a CRM category).
    const cats = [...stringsOf(remote.fields['categories']), ...stringsOf(remote.fields['tags']), ...stringsOf(remote.fields['category'])];
    const d = classifyNewContact(cats, settings); // domain/importRule.ts holds the I1 words logic
    return d.accept ? { accept: true, assign: { kind: 'contactCategory', category: d.category } } : d;
  };
}

/** I2: an appointment created on the target enters with the user as attendee; optionally only when linked to a contact. */
export function appointmentImportRule(
  userId: Id,
  options: { requireLinkedContact: boolean; hasLinkedContact: (remote: RemoteItem) => boolean } = {
    requireLinkedContact: false,
    hasLinkedContact: () => false,
  },
): ImportRule {
  return (remote) =>
    options.requireLinkedContact && !options.hasLinkedContact(remote)
      ? { accept: false, reason: 'appointment is not linked to a CRM contact' }
      : { accept: true, assign: { kind: 'attendee', userId } };
}

/** I3: a task created on the target enters with the user responsible. */
export function taskImportRule(userId: Id): ImportRule {
  return () => ({ accept: true, assign: { kind: 'responsible', userId } });
}

export function defaultImportRule(unit: Unit, userId: Id): ImportRule {
  switch (unit) {
    case 'contacts':
      return contactCategoryImportRule();
    case 'calendar':
      return appointmentImportRule(userId);
    case 'tasks':
      return taskImportRule(userId);
  }
}

/** X2 default: the remote `status` field turned to 'cancelled'. */
export function statusCancelled(remote: FieldMap, base: FieldMap | null): boolean {
  return remote['status'] === 'cancelled' && base?.['status'] !== 'cancelled';
}

/** A context with the SPEC's defaults, for the given unit and user. */
export function defaultDecisionContext(
  unit: Unit,
  userId: Id,
  overrides: Partial<DecisionContext> = {},
): DecisionContext {
  return {
    unit,
    userId,
    conflictPolicy: DEFAULT_CONFLICT_POLICY,
    contactDeletion: 'removeSyncTick',
    importRule: defaultImportRule(unit, userId),
    fieldRules: NO_FIELD_RULES,
    factsOf: () => undefined,
    ...overrides,
  };
}
