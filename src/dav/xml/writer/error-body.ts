// Precondition/postcondition error bodies (RFC 4918 §16, §14.5): the condition element, and
// optionally a human-readable reason in crmsync's namespace (DAV:error content is ANY).

import { dav, NS, type QName } from '../names.js';
import { writeCondition, type Condition } from './multistatus.js';
import { XmlWriter } from './xml-writer.js';

const REASON: QName = { ns: NS.CRMSYNC, name: 'reason' };

/** `<d:error><cal:valid-calendar-data/><crmsync:reason>…</crmsync:reason></d:error>`. */
export function serializeError(condition: Condition, reason?: string): string {
  const w = new XmlWriter();
  return w.document(dav('error'), () => {
    writeCondition(w, condition);
    if (reason !== undefined && reason !== '') w.leaf(REASON, reason);
  });
}
