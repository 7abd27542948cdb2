// The property registry's types (sabre/dav's PropFind::handle idea): each RFC file registers
// lazy handlers keyed by QName; only requested properties are computed, and a property no
// handler serves (and no dead property holds) becomes a 404 propstat.
import type { XmlElement } from '../xml/index.js';
import type { AddressDataRequest, CalendarDataRequest, PropValue, QName } from '../xml/index.js';
import type { DavIdentity } from '../auth.js';
import type { LoadedItem } from '../items.js';
import type { Directory, Representation } from '../render.js';
import type { DavCollection, Resource } from '../resources.js';
import type { DavState } from '../state.js';

/** What a property is evaluated on: a resolved resource, or an item with its record loaded. */
export type Target =
  | Exclude<Resource, { type: 'item' }>
  | { readonly type: 'item'; readonly href: string; readonly col: DavCollection; readonly item: LoadedItem };

/** Per-request inputs of property handlers. */
export interface PropEnv {
  readonly state: DavState;
  readonly identity: DavIdentity;
  readonly directory: Directory;
  /** The representation of items (vCard 3.0 unless asked for 4.0). */
  readonly repr: (item: LoadedItem) => Representation;
  readonly calendarData: CalendarDataRequest | null;
  readonly addressData: AddressDataRequest | null;
  /** Occurrences this request may still produce (expand), shared by all items. */
  readonly budget: { instances: number };
}

export type PropAnswer = PropValue | { readonly value: PropValue; readonly attrs: Readonly<Record<string, string>> };

export interface PropDef {
  readonly name: QName;
  /** Whether the property exists on this target at all (propname, allprop). */
  applies(t: Target): boolean;
  /** Part of DAV:allprop (RFC 4918 §9.1: not the expensive or the "live, computed" ones). */
  readonly allprop: boolean;
  /** The value; null when the property is defined but has no value here (404). */
  get(t: Target, env: PropEnv): PropAnswer | null;
  /** PROPPATCH: stores a value under `key` in the collection's props; absent = protected. */
  readonly writable?: { readonly key: 'displayname' | 'color' | 'order'; read(el: XmlElement): string };
}

export const text = (t: string): PropValue => ({ type: 'text', text: t });
export const hrefsValue = (...hrefs: string[]): PropValue => ({ type: 'hrefs', hrefs });
export const elements = (...els: XmlElement[]): PropValue => ({ type: 'elements', elements: els });

export function isCollection(t: Target): t is Extract<Target, { type: 'collection' }> {
  return t.type === 'collection';
}
export function isCalendar(t: Target): t is Extract<Target, { type: 'collection' }> {
  return t.type === 'collection' && t.col.home === 'calendars';
}
export function isAddressbook(t: Target): t is Extract<Target, { type: 'collection' }> {
  return t.type === 'collection' && t.col.home === 'addressbooks';
}

/** Collection properties stored by PROPPATCH (collections.props JSON). */
export interface StoredCollectionProps {
  displayname?: string;
  color?: string;
  order?: string;
  /** Dead properties by Clark key, stored as their element (RFC 4918 §4.3). */
  dead?: Record<string, XmlElement>;
}

export function storedProps(col: DavCollection): StoredCollectionProps {
  return col.collection.props as StoredCollectionProps;
}
