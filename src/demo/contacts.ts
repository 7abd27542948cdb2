// Realistic private and company contacts (SPEC Records: typed phones, e-mails and addresses,
// category, tags, responsible agent) for the demo CRM and the import benchmark.
import type { Email, Id, Phone, PostalAddress } from '../domain/records.js';
import type { ContactInput } from '../domain/schemas.js';
import { CONTACT_CATEGORIES } from '../importexport/categories.js';
import { asciiSlug, MARKET_MIX, MARKETS, type Market } from './markets.js';
import type { Random } from './random.js';

const TAGS = ['vip', 'newsletter', 'investor', 'tenant', 'landlord', 'trade-fair', 'referral'];
const JOB_TITLES = ['Managing Director', 'Geschäftsführer', 'Amministratore', 'Property Manager', 'Sales Manager', 'Buyer', 'Architect', 'Notary', 'Accountant'];

function phone(rng: Random, m: Market, type: Phone['type']): Phone {
  const body = type === 'mobile'
    ? `${m.code === 'de' ? '15' : m.code === 'it' ? '3' : '7'}${rng.digits(2)} ${rng.digits(7)}`
    : `${rng.int(20, 99)} ${rng.digits(6)}`;
  return { type, value: `${m.phonePrefix} ${body}` };
}

function address(rng: Random, m: Market, type: PostalAddress['type']): PostalAddress {
  const [postalCode, locality, region] = rng.pick(m.cities);
  const no = String(rng.int(1, 180));
  const streetName = rng.pick(m.streets);
  return { type, street: m.numberFirst ? `${no} ${streetName}` : `${streetName} ${no}`, locality, region, postalCode, country: m.country };
}

function taggedAndCategorised(rng: Random): Pick<ContactInput, 'tags' | 'category'> {
  return { tags: rng.sample(TAGS, rng.int(0, 2)), category: rng.chance(0.85) ? rng.pick(CONTACT_CATEGORIES) : null };
}

function company(rng: Random, m: Market, uid: string, responsible: Id | null): ContactInput {
  const name = `${rng.pick(m.familyNames)} ${rng.pick(m.companyStems)} ${rng.pick(m.companySuffixes)}`;
  const domain = `${asciiSlug(name).slice(0, 24)}.${m.tld}`;
  const phones: Phone[] = [phone(rng, m, 'business')];
  if (rng.chance(0.5)) phones.push(phone(rng, m, 'fax'));
  const emails: Email[] = [{ type: 'business', value: `info@${domain}`, preferred: true }];
  if (rng.chance(0.4)) emails.push({ type: 'business', value: `office@${domain}` });
  return {
    uid, kind: 'company', organization: name, phones, emails, websites: [`https://www.${domain}`],
    addresses: [address(rng, m, 'business')], note: rng.chance(0.2) ? 'Framework agreement until end of year.' : '',
    responsibleUserId: responsible, ...taggedAndCategorised(rng),
  };
}

function person(rng: Random, m: Market, uid: string, responsible: Id | null): ContactInput {
  const female = rng.chance(0.5);
  const givenName = rng.pick(female ? m.femaleNames : m.maleNames);
  const familyName = rng.pick(m.familyNames);
  const local = `${asciiSlug(givenName)}.${asciiSlug(familyName)}`;
  const works = rng.chance(0.55);
  const organization = works ? `${rng.pick(m.familyNames)} ${rng.pick(m.companyStems)} ${rng.pick(m.companySuffixes)}` : '';
  const phones: Phone[] = [phone(rng, m, 'mobile')];
  const emails: Email[] = [{ type: 'private', value: `${local}${rng.int(1, 99)}@${rng.pick(m.mailDomains)}`, ...(works ? {} : { preferred: true }) }];
  const addresses: PostalAddress[] = [address(rng, m, 'private')];
  if (works) {
    phones.unshift(phone(rng, m, 'business'));
    emails.unshift({ type: 'business', value: `${local}@${asciiSlug(organization).slice(0, 24)}.${m.tld}`, preferred: true });
    if (rng.chance(0.5)) addresses.push(address(rng, m, 'business'));
  } else if (rng.chance(0.4)) phones.push(phone(rng, m, 'private'));
  const birthday = rng.chance(0.4)
    ? `${rng.int(1950, 2000)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}` : null;
  return {
    uid, kind: 'person', gender: female ? 'female' : 'male', givenName, familyName,
    prefix: rng.chance(0.1) ? (m.code === 'de' ? 'Dr.' : m.code === 'it' ? 'Dott.' : 'Dr') : '',
    organization, jobTitle: works ? rng.pick(JOB_TITLES) : '', phones, emails, addresses, birthday,
    note: rng.chance(0.15) ? 'Met at the spring property fair; interested in a 3-room flat.' : '',
    responsibleUserId: responsible, ...taggedAndCategorised(rng),
  };
}

/** One contact: about 30 % companies; names and addresses from the market mix. */
export function generateContact(rng: Random, uid: string, responsibleUserIds: readonly Id[] = []): ContactInput {
  const m = MARKETS[rng.pick(MARKET_MIX)];
  const responsible = responsibleUserIds.length > 0 ? rng.pick(responsibleUserIds) : null;
  return rng.chance(0.3) ? company(rng, m, uid, responsible) : person(rng, m, uid, responsible);
}
