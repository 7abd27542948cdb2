// RFC 3744 (WebDAV ACL) properties clients read, and RFC 5397 current-user-principal.
// current-user-privilege-set (§5.4) tells clients which collections are read-only: a one-way
// unit (D1/D3) and a colleague's calendar (A4) grant read only.
import { dav, xmlElement, type XmlElement } from '../xml/index.js';
import { hrefs } from '../paths.js';
import { elements, hrefsValue, type PropDef, type Target } from './types.js';

const privilege = (name: string): XmlElement => xmlElement(dav('privilege'), { children: [xmlElement(dav(name))] });
const READ = ['read', 'read-current-user-privilege-set'].map(privilege);
const WRITE = ['write', 'write-properties', 'write-content', 'bind', 'unbind'].map(privilege);

function privileges(t: Target) {
  switch (t.type) {
    case 'collection':
    case 'item':
      return t.col.readOnlyReason === null ? elements(...READ, ...WRITE) : elements(...READ);
    default:
      return elements(...READ);
  }
}

export const RFC3744_PROPS: readonly PropDef[] = [
  // RFC 5397 §3: the principal of the authenticated user, on every resource.
  { name: dav('current-user-principal'), allprop: false, applies: () => true, get: (_t, env) => hrefsValue(hrefs.principal(env.identity.user.username)) },
  { name: dav('principal-URL'), allprop: true, applies: (t) => t.type === 'principal', get: (_t, env) => hrefsValue(hrefs.principal(env.identity.user.username)) },
  {
    name: dav('owner'),
    allprop: true,
    applies: (t) => t.type === 'principal' || t.type === 'home' || t.type === 'collection',
    get: (_t, env) => hrefsValue(hrefs.principal(env.identity.user.username)),
  },
  {
    name: dav('principal-collection-set'),
    allprop: false,
    applies: (t) => t.type === 'root' || t.type === 'principal' || t.type === 'principals',
    get: () => hrefsValue(hrefs.principals()),
  },
  { name: dav('current-user-privilege-set'), allprop: false, applies: () => true, get: privileges },
];
