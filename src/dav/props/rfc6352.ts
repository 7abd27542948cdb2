// RFC 6352 (CardDAV) properties: §7.1.1 addressbook-home-set, §6.2.2 supported-address-data,
// §6.2.3 max-resource-size, §10.4 address-data (vCard 3.0 unless 4.0 is asked for).
import { carddav, xmlElement } from '../xml/index.js';
import { hrefs } from '../paths.js';
import { selectVCardProperties } from '../query/vcardFilter.js';
import { renderedOf } from './rendered.js';
import { elements, hrefsValue, isAddressbook, text, type PropDef } from './types.js';

const addressDataType = (version: string) => xmlElement(carddav('address-data-type'), { attrs: { 'content-type': 'text/vcard', version } });

export const RFC6352_PROPS: readonly PropDef[] = [
  {
    name: carddav('addressbook-home-set'),
    allprop: false,
    applies: (t) => t.type === 'principal',
    get: (_t, env) => hrefsValue(hrefs.home('addressbooks', env.identity.user.username)),
  },
  {
    name: carddav('supported-address-data'),
    allprop: false,
    applies: isAddressbook,
    get: () => elements(addressDataType('3.0'), addressDataType('4.0')),
  },
  { name: carddav('max-resource-size'), allprop: false, applies: isAddressbook, get: (_t, env) => text(String(env.state.limits.maxResourceBytes)) },
  {
    name: carddav('address-data'),
    allprop: false,
    applies: (t) => t.type === 'item' && t.col.home === 'addressbooks',
    get: (t, env) => {
      if (t.type !== 'item') return null;
      const body = renderedOf(t, env).body;
      const props = env.addressData?.props ?? null;
      return text(props ? selectVCardProperties(body, props) : body);
    },
  },
];
