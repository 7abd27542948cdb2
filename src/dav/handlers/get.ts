// GET/HEAD (RFC 4918 §9.4): an item in its representation with a strong ETag (vCard 3.0 unless
// `Accept: text/vcard; version=4.0`); a calendar collection as one .ics export (read-only
// subscriptions), an address book as one .vcf file.
import { serialize, unfold } from '../../formats/contentline.js';
import { readCalendar, type RawComponent } from '../../formats/ical-tree.js';
import { DavError } from '../errors.js';
import { header, type DavRequest } from '../state.js';
import type { Resource } from '../resources.js';
import { directoryFor, loadAllItems, propEnv, requireItem, type DavResponse } from './common.js';

const linesOf = (c: RawComponent): string[] => c.lines.map((l) => l.raw);

export async function get(req: DavRequest, resource: Resource): Promise<DavResponse> {
  if (resource.type === 'item') {
    const item = await requireItem(req, resource.col, resource.name);
    const env = propEnv(req, await directoryFor(req, [item]));
    const r = req.state.renderer.render(resource.col.collection.id, item, env.repr(item), env.directory);
    const inm = header(req, 'if-none-match');
    const common = { etag: r.etag, 'last-modified': new Date(item.data.record.updatedAt).toUTCString() };
    if (inm !== undefined && inm.split(',').map((s) => s.trim()).some((t) => t === r.etag || t === '*')) return { status: 304, headers: common };
    return { status: 200, headers: { ...common, 'content-type': r.contentType }, body: r.body };
  }
  if (resource.type === 'collection') {
    const items = await loadAllItems(req, resource.col);
    const env = propEnv(req, await directoryFor(req, items));
    const bodies = items.map((i) => req.state.renderer.render(resource.col.collection.id, i, env.repr(i), env.directory).body);
    if (resource.col.home === 'addressbooks') {
      return { status: 200, headers: { 'content-type': 'text/vcard; charset=utf-8' }, body: bodies.join('') };
    }
    const zones = new Map<string, string[]>();
    const components: string[] = [];
    for (const body of bodies) {
      for (const c of readCalendar(unfold(body)).children) {
        if (c.name === 'VTIMEZONE') {
          const tzid = c.props.find((p) => p.name === 'TZID')?.raw ?? '';
          if (!zones.has(tzid)) zones.set(tzid, linesOf(c));
        } else components.push(...linesOf(c));
      }
    }
    const name = resource.col.collection.props.displayname;
    const text = serialize([
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//crmsync//crmsync//EN', 'CALSCALE:GREGORIAN',
      ...(typeof name === 'string' ? [`X-WR-CALNAME:${name.replace(/[\\,;]/g, '\\$&')}`] : []),
      ...[...zones.values()].flat(), ...components, 'END:VCALENDAR',
    ]);
    return { status: 200, headers: { 'content-type': 'text/calendar; charset=utf-8' }, body: text };
  }
  throw new DavError(405, 'GET is answered for items and collections only', undefined, { allow: 'OPTIONS, PROPFIND, REPORT' });
}
