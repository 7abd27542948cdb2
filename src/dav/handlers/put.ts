// PUT (RFC 4918 §9.7) of one vCard or calendar object, with If-Match / If-None-Match (RFC 7232,
// 412 on mismatch) and the preconditions of RFC 4791 §5.3.2.1 and RFC 6352 §6.3.2.1:
// supported-calendar-component, valid-calendar-data, valid-address-data, no-uid-conflict,
// max-resource-size. D3: a read-only collection refuses with 403 and the reason.
// No ETag is returned: the CRM re-renders what it stored (RFC 4791 §5.3.4).
import { appointments } from '../../crm/appointments.js';
import { contacts } from '../../crm/contacts.js';
import { tasks } from '../../crm/tasks.js';
import { CrmError } from '../../domain/errors.js';
import { FormatError, parseCalendarObject, parseVCard, type ParsedCalendarObject, type ParsedVCard } from '../../formats/index.js';
import { DavError, forbidden, preconditionFailed } from '../errors.js';
import { isMember } from '../../crm/syncSets.js';
import { refsOf, type LoadedItem } from '../items.js';
import { hrefs } from '../paths.js';
import type { DavCollection, Resource } from '../resources.js';
import { header, type DavRequest } from '../state.js';
import { writeCalendarObject, writeContact, type WriteEnv } from '../writes.js';
import { caldav, carddav, dav, xmlElement, type Condition } from '../xml/index.js';
import { directoryFor, loadOneItem, propEnv, type DavResponse } from './common.js';
import type { Representation } from '../render.js';

export function writeEnv(req: DavRequest): WriteEnv {
  return {
    ctx: req.state.ctx, identity: req.identity, limits: req.state.limits,
    log: (message, details) => req.state.logger.info(details, message),
  };
}

export function refuseReadOnly(col: DavCollection): void {
  if (col.readOnlyReason !== null) {
    throw forbidden(col.readOnlyReason, xmlElement(dav('need-privileges')));
  }
}

/** The current ETags of an item in every representation it is served in (If-Match on either). */
async function currentEtags(req: DavRequest, col: DavCollection, item: LoadedItem): Promise<string[]> {
  const env = propEnv(req, await directoryFor(req, [item]));
  const reprs: Representation[] = item.data.unit === 'contacts' ? ['vcard3', 'vcard4'] : ['ical'];
  return reprs.map((r) => req.state.renderer.render(col.collection.id, item, r, env.directory).etag);
}

const tags = (h: string) => h.split(',').map((s) => s.trim().replace(/^W\//, '')).filter((s) => s !== '');

/** RFC 7232 §3.1–3.2 on the target of a write (PUT, DELETE). */
export async function checkConditions(req: DavRequest, col: DavCollection, item: LoadedItem | null): Promise<void> {
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  if (ifMatch !== undefined) {
    if (!item) throw preconditionFailed('If-Match: the resource does not exist');
    const list = tags(ifMatch);
    if (!list.includes('*')) {
      const etags = await currentEtags(req, col, item);
      if (!list.some((t) => etags.includes(t))) throw preconditionFailed('If-Match: the resource has changed; fetch it again');
    }
  }
  if (ifNoneMatch !== undefined && item) {
    const list = tags(ifNoneMatch);
    if (list.includes('*')) throw preconditionFailed('If-None-Match: * — the resource already exists');
    const etags = await currentEtags(req, col, item);
    if (list.some((t) => etags.includes(t))) throw preconditionFailed('If-None-Match: the resource is unchanged');
  }
}

function invalidData(col: DavCollection, message: string): DavError {
  return forbidden(message, col.home === 'calendars' ? caldav('valid-calendar-data') : carddav('valid-address-data'));
}

/** no-uid-conflict: the UID already belongs to another resource of this collection, or to a CRM record the user does not see. */
async function checkUid(req: DavRequest, col: DavCollection, uid: string, existing: LoadedItem | null): Promise<void> {
  if (existing && existing.data.record.uid !== uid) {
    throw forbidden(`the UID of an existing resource cannot change (it is ${existing.data.record.uid})`, uidCondition(col));
  }
  if (existing) return;
  const store = col.unit === 'contacts' ? contacts : col.unit === 'calendar' ? appointments : tasks;
  const other = await store.findBy(req.state.ctx, { uid });
  if (!other) return;
  if (await isMember(req.state.ctx, col.collection.id, other.id)) {
    const ref = (await refsOf(req.state.ctx, col, [other.id])).get(other.id)!;
    throw forbidden(`UID ${uid} is already used by ${ref.name} in this collection`, uidCondition(col, hrefs.item(col.href, ref.name)));
  }
  throw forbidden(`UID ${uid} already belongs to another record in the CRM`, uidCondition(col));
}

function uidCondition(col: DavCollection, href?: string): Condition {
  const q = col.home === 'calendars' ? caldav('no-uid-conflict') : carddav('no-uid-conflict');
  return href === undefined ? q : xmlElement(q, { children: [xmlElement(dav('href'), { text: href })] });
}

function parse(col: DavCollection, text: string): ParsedVCard | ParsedCalendarObject {
  try {
    if (col.home === 'addressbooks') return parseVCard(text);
    const obj = parseCalendarObject(text);
    const component = obj.kind === 'appointment' ? 'VEVENT' : 'VTODO';
    if (component !== col.component) {
      throw forbidden(`this collection holds ${col.component} components, not ${component}`, caldav('supported-calendar-component'));
    }
    return obj;
  } catch (e) {
    if (e instanceof FormatError) {
      if (e.code === 'unsupported-component') throw forbidden(e.message, caldav('supported-calendar-component'));
      if (e.code === 'not-a-contact') throw invalidData(col, `${e.message}; crmsync keeps contacts only, not contact groups`);
      throw invalidData(col, e.message);
    }
    throw e;
  }
}

export async function put(req: DavRequest, resource: Resource): Promise<DavResponse> {
  if (resource.type !== 'item') throw new DavError(405, 'PUT creates or replaces items only', undefined, { allow: 'OPTIONS, PROPFIND, PROPPATCH, REPORT, GET, HEAD' });
  const col = resource.col;
  refuseReadOnly(col);
  if (req.body.length > req.state.limits.maxResourceBytes) {
    throw forbidden(`the resource is larger than ${req.state.limits.maxResourceBytes} bytes`, col.home === 'calendars' ? caldav('max-resource-size') : carddav('max-resource-size'));
  }
  const existing = await loadOneItem(req, col, resource.name);
  await checkConditions(req, col, existing);
  const text = req.body.toString('utf8');
  if (text.includes('\uFFFD')) throw invalidData(col, 'the body is not valid UTF-8');
  const parsed = parse(col, text);
  if ('kind' in parsed) await checkUid(req, col, parsed.uid, existing);
  else if (parsed.uid !== null) await checkUid(req, col, parsed.uid, existing);
  try {
    if ('kind' in parsed) {
      const outcome = await writeCalendarObject(writeEnv(req), col, resource.name, parsed, existing);
      if (outcome.kind === 'deleted') return { status: 204 };
    } else {
      await writeContact(writeEnv(req), col, resource.name, parsed, existing);
    }
  } catch (e) {
    if (e instanceof CrmError && e.code === 'invalid') throw invalidData(col, e.message);
    if (e instanceof CrmError && e.code === 'conflict' && existing) throw preconditionFailed(`changed meanwhile: ${e.message}`);
    if (e instanceof CrmError && e.code === 'conflict') throw forbidden(e.message, uidCondition(col));
    throw e;
  }
  return { status: existing ? 204 : 201 };
}

