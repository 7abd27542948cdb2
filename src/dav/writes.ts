// What a device's PUT and DELETE do to the CRM, under the SPEC's rules. Every change goes through
// src/crm (one transaction, journaled with the device as author, X5); nothing here hard-deletes.
//
//  - edits: field by field onto the CRM record, only the fields the device format holds
//    (CRM-only fields such as responsible agent, archived, attendees kept); F2 (a value that is
//    the CRM's value cut to a device limit keeps the original) and F3 (a missing photo keeps the
//    CRM's photo); properties without a CRM field are kept per item (extras);
//  - new items: I1 contacts (import rule, 403 with the reason), I2 appointments (the user as
//    attendee; 403 when a linked contact is required and none is found), I3 tasks (the user
//    responsible);
//  - deletions: X1 contacts (untick, or archive per settings), X2/G1 appointments, X3 tasks.
import { appointments, applyAppointmentDeletion } from '../crm/appointments.js';
import { contacts, createContact, setTick } from '../crm/contacts.js';
import { inTransaction, type CrmContext } from '../crm/context.js';
import { listMembers, recordChanges, findCollection } from '../crm/syncSets.js';
import { applyTaskDeletion, tasks } from '../crm/tasks.js';
import { classifyNewContact } from '../domain/importRule.js';
import type { Attendee, Contact, Id, User } from '../domain/records.js';
import type { ParsedCalendarObject, ParsedVCard, RawAttendee } from '../formats/index.js';
import { isTruncationOf } from '../sync/decide/limits.js';
import type { DavIdentity } from './auth.js';
import type { DavLimits } from './config.js';
import { forbidden } from './errors.js';
import { saveItemResource, type LoadedItem } from './items.js';
import type { DavCollection } from './resources.js';
import { NS, qname } from './xml/index.js';

export interface WriteEnv {
  readonly ctx: CrmContext;
  readonly identity: DavIdentity;
  readonly limits: Pick<DavLimits, 'deviceFieldLimits'>;
  readonly log: (message: string, details: Record<string, unknown>) => void;
}

/** A refusal under a SPEC rule: 403 with the rule's reason in the error body. */
const refused = (reason: string) => forbidden(reason, qname(NS.CRMSYNC, 'refused-by-crm-rule'));

/**
 * F2 (in one place for all units): for each field the device side limits, a value that is the
 * CRM's value cut to that limit keeps the CRM's longer original. The rule itself lives in
 * sync/decide/limits.ts, shared with the sync engine.
 */
export function keepUncutOriginals<T extends Record<string, unknown>>(patch: T, current: Readonly<Record<string, unknown>>, limits: Readonly<Record<string, number>>): T {
  const out: Record<string, unknown> = { ...patch };
  for (const [field, limit] of Object.entries(limits)) {
    if (field in out && isTruncationOf(out[field] as string, current[field] as string, limit)) out[field] = current[field];
  }
  return out as T;
}

// ---- contacts

/** The contact fields a vCard carries, from a parse, with the categories mapped by the caller. */
function contactPatch(card: ParsedVCard, current: Contact | null, limits: Readonly<Record<string, number>>) {
  const patch: Record<string, unknown> = { ...card.fields };
  if (current) {
    if (card.fields.photo === null && current.photo !== null) patch.photo = current.photo; // F3
    return keepUncutOriginals(patch, current as unknown as Record<string, unknown>, limits);
  }
  return patch;
}

export async function writeContact(env: WriteEnv, col: DavCollection, name: string, card: ParsedVCard, existing: LoadedItem | null): Promise<Id> {
  const { ctx, identity } = env;
  return inTransaction(ctx, async (tx) => {
    let id: Id;
    if (existing && existing.data.unit === 'contacts') {
      const current = existing.data.record;
      await contacts.update(tx, current.id, contactPatch(card, current, env.limits.deviceFieldLimits), identity.author, { expectedVersion: current.version });
      id = current.id;
    } else {
      // I1: only a category naming a customer or a prospect lets a new contact in.
      const decision = classifyNewContact(card.categories, identity.user.settings);
      if (!decision.accept) throw refused(decision.reason);
      const words = new Set([...identity.user.settings.importCustomerWords, ...identity.user.settings.importProspectWords].map((w) => w.trim().toLocaleLowerCase('de')));
      const patch = contactPatch(card, null, env.limits.deviceFieldLimits);
      const tags = card.fields.tags.filter((t) => !words.has(t.trim().toLocaleLowerCase('de')));
      const created = await createContact(tx, { ...patch, tags, category: decision.category, ...(card.uid ? { uid: card.uid } : {}) }, identity.author, [identity.user.id]);
      id = created.id;
    }
    await saveItemResource(tx, col, id, name, { type: 'vcard', lines: card.extras });
    return id;
  });
}

// ---- calendar objects

async function contactsByEmail(ctx: CrmContext, user: User, emails: readonly string[]): Promise<Contact[]> {
  if (emails.length === 0) return [];
  const col = await findCollection(ctx, user.id, 'contacts');
  if (!col) return [];
  const members = await listMembers(ctx, col.id);
  const wanted = new Set(emails.map((e) => e.toLowerCase()));
  return (await contacts.getMany(ctx, members.map((m) => m.itemId))).filter((c) => c.emails.some((e) => wanted.has(e.value.toLowerCase())));
}

function contactAttendees(found: readonly Contact[], raw: readonly RawAttendee[]): Attendee[] {
  return found.map((c) => {
    const r = raw.find((a) => a.email !== null && c.emails.some((e) => e.value.toLowerCase() === a.email!.toLowerCase()));
    return { kind: 'contact', contactId: c.id, role: r?.role ?? 'required', status: r?.partstat ?? 'needs-action' };
  });
}

export type CalendarWriteOutcome = { readonly kind: 'written'; readonly id: Id } | { readonly kind: 'deleted' };

export async function writeCalendarObject(
  env: WriteEnv, col: DavCollection, name: string, obj: ParsedCalendarObject, existing: LoadedItem | null,
): Promise<CalendarWriteOutcome> {
  const { ctx, identity } = env;
  const limits = env.limits.deviceFieldLimits;
  return inTransaction(ctx, async (tx) => {
    let id: Id;
    if (obj.kind === 'appointment') {
      if (existing && existing.data.unit === 'calendar') {
        const current = existing.data.record;
        // X2: an appointment cancelled on the device is handled as its deletion there.
        if (obj.fields.status === 'cancelled' && current.status !== 'cancelled') {
          await deleteAppointment(env, tx, col, existing);
          return { kind: 'deleted' };
        }
        const patch = keepUncutOriginals({ ...obj.fields }, current as unknown as Record<string, unknown>, limits);
        await appointments.update(tx, current.id, patch, identity.author, { expectedVersion: current.version });
        id = current.id;
      } else {
        // I2: the user as attendee, linked to the CRM contacts among the attendees.
        const emails = obj.attendees.flatMap((a) => (a.email ? [a.email] : []));
        const linked = await contactsByEmail(tx, identity.user, emails);
        if (identity.user.settings.importAppointmentsNeedContact && linked.length === 0) {
          throw refused('new appointments are accepted only when an attendee is one of your CRM contacts (SPEC I2)');
        }
        const created = await appointments.create(tx, {
          ...obj.fields, uid: obj.uid,
          attendees: [{ kind: 'user', userId: identity.user.id, role: 'required', status: 'accepted' }, ...contactAttendees(linked, obj.attendees)],
          linkedContactIds: linked.map((c) => c.id),
        }, identity.author);
        id = created.id;
      }
    } else {
      const fields = obj.fields;
      if (existing && existing.data.unit === 'tasks') {
        const current = existing.data.record;
        const patch = keepUncutOriginals(fields, current as unknown as Record<string, unknown>, limits);
        await tasks.update(tx, current.id, patch, identity.author, { expectedVersion: current.version });
        id = current.id;
      } else {
        // I3: the user responsible.
        const created = await tasks.create(tx, { ...fields, uid: obj.uid, responsibleUserIds: [identity.user.id] }, identity.author);
        id = created.id;
      }
    }
    await saveItemResource(tx, col, id, name, { type: 'ical', extras: obj.extras });
    return { kind: 'written', id };
  });
}

// ---- deletions

async function deleteAppointment(env: WriteEnv, ctx: CrmContext, col: DavCollection, item: LoadedItem): Promise<void> {
  const effect = await applyAppointmentDeletion(ctx, item.itemId, env.identity.user.id, env.identity.author);
  if (effect.kind === 'restore') {
    // G1: the DELETE succeeds, and the item comes back as a change at the next sync.
    await recordChanges(ctx, col.collection.id, [{ itemId: item.itemId, op: 'upsert' }]);
    env.log('device deleted an appointment it may not remove; it comes back at the next sync (G1)', {
      appointmentId: item.itemId, device: env.identity.author.label, reason: effect.reason,
    });
  }
}

export async function deleteItem(env: WriteEnv, col: DavCollection, item: LoadedItem): Promise<void> {
  const { ctx, identity } = env;
  await inTransaction(ctx, async (tx) => {
    switch (item.data.unit) {
      case 'contacts':
        // X1: untick (default) or archive; never a deletion in the CRM.
        if (identity.user.settings.deviceContactDeletion === 'archive') {
          await contacts.update(tx, item.itemId, { archived: true }, identity.author);
        } else {
          await setTick(tx, item.itemId, identity.user.id, false, identity.author);
        }
        return;
      case 'calendar':
        await deleteAppointment(env, tx, col, item);
        return;
      case 'tasks':
        await applyTaskDeletion(tx, item.itemId, identity.user.id, identity.author); // X3
        return;
      default: {
        const never: never = item.data;
        throw new Error(`unhandled ${JSON.stringify(never)}`);
      }
    }
  });
}
