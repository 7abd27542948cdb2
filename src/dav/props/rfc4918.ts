// RFC 4918 §15 live properties.
import { dav, caldav, carddav, xmlElement } from '../xml/index.js';
import { defaultDisplayName } from '../resources.js';
import { metaOf } from './rendered.js';
import { elements, storedProps, text, type PropDef, type Target } from './types.js';

const COLLECTION = xmlElement(dav('collection'));

function resourcetype(t: Target) {
  switch (t.type) {
    case 'item':
      return elements();
    case 'principal':
      return elements(COLLECTION, xmlElement(dav('principal')));
    case 'collection':
      return elements(COLLECTION, xmlElement(t.col.home === 'calendars' ? caldav('calendar') : carddav('addressbook')));
    default:
      return elements(COLLECTION);
  }
}

const isItem = (t: Target) => t.type === 'item';

export const RFC4918_PROPS: readonly PropDef[] = [
  { name: dav('resourcetype'), allprop: true, applies: () => true, get: resourcetype },
  {
    name: dav('displayname'),
    allprop: true,
    applies: (t) => t.type !== 'item',
    get: (t, env) => {
      switch (t.type) {
        case 'collection':
          return text(storedProps(t.col).displayname ?? defaultDisplayName(t.col));
        case 'principal':
          return text(env.identity.user.displayName);
        case 'home':
          return text(t.home === 'calendars' ? 'Calendars' : 'Address books');
        default:
          return text('crmsync');
      }
    },
    writable: { key: 'displayname', read: (el) => el.text.trim() },
  },
  { name: dav('getetag'), allprop: true, applies: isItem, get: (t, env) => (t.type === 'item' ? text(metaOf(t, env).etag) : null) },
  {
    name: dav('getcontenttype'),
    allprop: true,
    applies: isItem,
    get: (t, env) => (t.type === 'item' ? text(metaOf(t, env).contentType) : null),
  },
  {
    name: dav('getcontentlength'),
    allprop: true,
    applies: isItem,
    get: (t, env) => (t.type === 'item' ? text(String(metaOf(t, env).length)) : null),
  },
  {
    name: dav('getlastmodified'),
    allprop: true,
    applies: isItem,
    get: (t) => (t.type === 'item' ? text(new Date(t.item.data.record.updatedAt).toUTCString()) : null),
  },
  {
    name: dav('creationdate'),
    allprop: true,
    applies: isItem,
    get: (t) => (t.type === 'item' ? text(new Date(t.item.data.record.createdAt).toISOString()) : null),
  },
];
