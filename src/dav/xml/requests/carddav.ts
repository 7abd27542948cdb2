// CardDAV REPORT bodies (RFC 6352 §8.6 addressbook-query, §8.7 addressbook-multiget) and the
// CARDDAV:address-data request element (§10.4).

import { childrenNamed, firstChild, type XmlElement } from '../element.js';
import { DavBadRequest } from '../errors.js';
import { carddav, NS, qkey } from '../names.js';
import { atMostOne, PRECONDITION, readHrefs, readLimit, readSelection, readTextMatch, requiredName, requireChild, yesNo } from './common.js';
import type {
  AddressbookFilter,
  AddressbookMultiget,
  AddressbookQuery,
  AddressDataRequest,
  AddressPropFilter,
  ParamFilter,
  PropSelection,
} from './types.js';

const C = {
  addressData: carddav('address-data'),
  allprop: carddav('allprop'),
  prop: carddav('prop'),
  filter: carddav('filter'),
  propFilter: carddav('prop-filter'),
  paramFilter: carddav('param-filter'),
  isNotDefined: carddav('is-not-defined'),
  textMatch: carddav('text-match'),
  limit: carddav('limit'),
} as const;

const NO_PROPS: PropSelection = { type: 'prop', props: [] };

/** RFC 6352 §10.7: `(DAV:allprop | DAV:propname | DAV:prop)?, DAV:href+`. */
export function interpretAddressbookMultiget(root: XmlElement): AddressbookMultiget {
  const found = readSelection(root);
  const hrefs = readHrefs(root);
  if (hrefs.length === 0) throw new DavBadRequest('CARDDAV:addressbook-multiget needs at least one DAV:href');
  return { type: 'addressbook-multiget', select: found?.select ?? NO_PROPS, addressData: addressDataIn(found?.prop), hrefs };
}

/** RFC 6352 §10.3: `(DAV:allprop | DAV:propname | DAV:prop)?, filter, limit?`. */
export function interpretAddressbookQuery(root: XmlElement): AddressbookQuery {
  const found = readSelection(root);
  const filterEl = requireChild(root, C.filter, PRECONDITION.cardSupportedFilter);
  atMostOne(root, C.filter);
  const limit = atMostOne(root, C.limit);
  return {
    type: 'addressbook-query',
    select: found?.select ?? NO_PROPS,
    addressData: addressDataIn(found?.prop),
    filter: readFilter(filterEl),
    limit: limit ? readLimit(limit, NS.CARDDAV) : null,
  };
}

/** The address-data options inside a DAV:prop, if it asks for address-data. */
export function addressDataIn(prop: XmlElement | undefined): AddressDataRequest | null {
  const el = prop && firstChild(prop, C.addressData);
  if (!el) return null;
  // §10.4: `(allprop | prop*)`; no prop element also means all properties.
  const props = childrenNamed(el, C.prop);
  return {
    contentType: el.attrs['content-type'] ?? 'text/vcard',
    version: el.attrs.version ?? '3.0',
    props:
      firstChild(el, C.allprop) || props.length === 0
        ? null
        : props.map((p) => ({ name: requiredName(p).toUpperCase(), novalue: yesNo(p, 'novalue', false) })),
  };
}

/** RFC 6352 §10.5: `prop-filter*` with test anyof (default) or allof. */
function readFilter(el: XmlElement): AddressbookFilter {
  return { test: readTest(el), propFilters: childrenNamed(el, C.propFilter).map(readPropFilter) };
}

function readTest(el: XmlElement): 'anyof' | 'allof' {
  const test = el.attrs.test ?? 'anyof';
  if (test !== 'anyof' && test !== 'allof') {
    throw new DavBadRequest(`${qkey(el)} test must be "anyof" or "allof", not "${test}"`, PRECONDITION.cardSupportedFilter, 403);
  }
  return test;
}

/** RFC 6352 §10.5.1: `(is-not-defined | (text-match*, param-filter*))`. */
function readPropFilter(el: XmlElement): AddressPropFilter {
  const name = requiredName(el, PRECONDITION.cardSupportedFilter).toUpperCase();
  if (firstChild(el, C.isNotDefined)) {
    rejectBesides(el);
    return { type: 'is-not-defined', name };
  }
  return {
    type: 'match',
    name,
    test: readTest(el),
    textMatches: childrenNamed(el, C.textMatch).map((t) => readTextMatch(t, 'carddav')),
    paramFilters: childrenNamed(el, C.paramFilter).map(readParamFilter),
  };
}

/** RFC 6352 §10.5.2: `(is-not-defined | text-match)?`. */
function readParamFilter(el: XmlElement): ParamFilter {
  const name = requiredName(el, PRECONDITION.cardSupportedFilter).toUpperCase();
  if (firstChild(el, C.isNotDefined)) {
    rejectBesides(el);
    return { type: 'is-not-defined', name };
  }
  const tm = atMostOne(el, C.textMatch);
  return { type: 'match', name, textMatch: tm ? readTextMatch(tm, 'carddav') : null };
}

function rejectBesides(el: XmlElement): void {
  const other = el.children.find((c) => c.ns === NS.CARDDAV && c.name !== C.isNotDefined.name);
  if (other) throw new DavBadRequest(`${qkey(el)} may not hold ${qkey(other)} next to is-not-defined`);
}
