// MKCOL (RFC 4918 §9.3, extended RFC 5689) and MKCALENDAR (RFC 4791 §5.3.1) are refused: each
// user's collections are fixed by the CRM (S1–S3, A4). The body is read so a malformed one is
// still a 400, and the refusal names the RFC's precondition with a reason.
import { forbidden } from '../errors.js';
import type { DavRequest } from '../state.js';
import { caldav, carddav, dav, parseMkcol, sameName } from '../xml/index.js';
import type { DavResponse } from './common.js';

const REASON = 'collections are made by the CRM: each user has Contacts, Calendar and Tasks, and colleagues\' calendars are added in the CRM (A4)';

export async function mkcol(req: DavRequest, method: 'MKCOL' | 'MKCALENDAR'): Promise<DavResponse> {
  const body = parseMkcol(req.body, method);
  if (method === 'MKCALENDAR') throw forbidden(REASON, caldav('calendar-collection-location-ok'));
  const addressbook = body.resourceTypes.some((t) => sameName(t, carddav('addressbook')));
  throw forbidden(REASON, addressbook ? carddav('addressbook-collection-location-ok') : dav('resource-must-be-null'));
}
