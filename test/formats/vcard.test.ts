import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/formats/errors.js';
import { parseVCard, renderVCard, splitVCards, emptyContactFields } from '../../src/formats/vcard.js';
import { contactOf, expectWellFolded, fixture } from './helpers.js';

const roundTrip = (name: string, version: '3.0' | '4.0', categoryNames: string[] = []) => {
  const first = parseVCard(fixture(name), { categoryNames });
  const text = renderVCard(contactOf(first.fields, first.uid!), { version, extras: first.extras });
  const second = parseVCard(text, { categoryNames });
  return { first, second, text };
};

/** Extras without the kept spellings of mapped properties (src/formats/vcard-originals.ts). */
const unmapped = (extras: readonly string[]) => extras.filter((l) => !/^(VERSION|FN|TEL|EMAIL|ADR|URL)[;:]/i.test(l));

describe('vCard: real-world samples', () => {
  it('iOS contact: typed phones, year-less birthday, photo, Apple label groups and X- props', () => {
    const { fields, uid, extras } = parseVCard(fixture('ios-contact.vcf'));
    expect(uid).toBe('8F3E1B2C-4D5A-4E6F-9A7B-1C2D3E4F5A6B');
    expect(fields).toMatchObject({
      kind: 'person', prefix: 'Dr.', givenName: 'Anna', middleName: 'Maria', familyName: 'Müller', nickname: 'Anni',
      organization: 'Müller & Partner GmbH', department: 'Steuerberatung', jobTitle: 'Geschäftsführerin',
      birthday: '--03-15', note: 'Bevorzugt Termine vormittags.\nParkplatz im Hof, Tor 2.',
      websites: ['https://www.mueller-partner.de'],
    });
    expect(fields.phones).toEqual([
      { type: 'mobile', value: '+49 171 1234567', preferred: true },
      { type: 'business', value: '+49 30 1234560' },
      { type: 'fax', value: '+49 30 1234569' },
      { type: 'private', value: '+49 30 9876543' },
    ]);
    expect(fields.emails).toEqual([
      { type: 'business', value: 'anna.mueller@mueller-partner.de', preferred: true },
      { type: 'other', value: 'assistenz@mueller-partner.de' },
    ]);
    expect(fields.addresses).toEqual([
      { type: 'business', street: 'Friedrichstraße 123', locality: 'Berlin', region: '', postalCode: '10117', country: 'Deutschland' },
    ]);
    expect(fields.photo?.mediaType).toBe('image/jpeg');
    expect(fields.photo?.data).toMatch(/^\/9j\/4AAQ.*2Q==$/);
    expect(extras).toContain('item4.X-ABRELATEDNAMES;type=pref:Thomas Müller');
    expect(extras).toContain('X-SOCIALPROFILE;type=linkedin;x-user=annamueller:https://www.linkedin.com/in/annamueller');
  });

  it('keeps unknown lines and Apple label groups byte for byte when written back', () => {
    const { text } = roundTrip('ios-contact.vcf', '3.0');
    const unfolded = text.replace(/\r\n[ \t]/g, '');
    for (const line of [
      'item1.EMAIL;type=INTERNET:assistenz@mueller-partner.de', 'item1.X-ABLabel:Assistenz',
      'item2.ADR;type=WORK;type=pref:;;Friedrichstraße 123;Berlin;;10117;Deutschland', 'item2.X-ABADR:de',
      'item3.URL;type=pref:https\\://www.mueller-partner.de', 'item4.X-ABLabel:_$!<Spouse>!$_',
      'X-SOCIALPROFILE;type=linkedin;x-user=annamueller:https://www.linkedin.com/in/annamueller',
    ]) expect(unfolded.split('\r\n')).toContain(line);
    // The labelled e-mail is written once, as Apple's group, not a second time by us.
    expect(unfolded.match(/assistenz@mueller-partner\.de/g)).toHaveLength(1);
  });

  it('drops an Apple label group whose value was changed in the CRM, and writes the new value', () => {
    const first = parseVCard(fixture('ios-contact.vcf'));
    const contact = contactOf(first.fields, first.uid!);
    contact.emails[1] = { type: 'other', value: 'office@mueller-partner.de' };
    const text = renderVCard(contact, { version: '3.0', extras: first.extras });
    expect(text).not.toContain('assistenz@');
    expect(text).not.toContain('item1.');
    expect(text).toContain('EMAIL;TYPE=INTERNET:office@mueller-partner.de');
  });

  it('macOS company card (X-ABShowAs:COMPANY) ↔ kind company, both versions', () => {
    const { first, second, text } = roundTrip('macos-company.vcf', '3.0');
    expect(first.fields.kind).toBe('company');
    expect(first.fields.organization).toBe('Immobilien Rossi S.r.l.');
    expect(text).toContain('X-ABSHOWAS:COMPANY');
    expect(text).toContain('FN:Immobilien Rossi S.r.l.');
    expect(second.fields).toEqual(first.fields);
    const v4 = renderVCard(contactOf(first.fields), { version: '4.0' });
    expect(v4).toContain('KIND:org');
    expect(parseVCard(v4).fields.kind).toBe('company');
  });

  it('an Apple contact group is reported as not a contact', () => {
    expect(() => parseVCard(fixture('apple-group.vcf'))).toThrow(expect.objectContaining({ code: 'not-a-contact' }));
    expect(() => parseVCard('BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Team\r\nEND:VCARD\r\n'))
      .toThrow(FormatError);
  });

  it('DAVx5 vCard 4: GENDER, --MMDD birthday, data: photo, categories → category + tags (I1 words)', () => {
    const { fields, categories, extras } = parseVCard(fixture('davx5-contact.vcf'), { categoryNames: ['Kunde', 'Interessent'] });
    expect(fields).toMatchObject({ gender: 'female', birthday: '--07-04', profession: 'Architektin', category: 'Kunde', tags: ['VIP'] });
    expect(categories).toEqual(['Kunde', 'VIP']);
    expect(fields.phones).toEqual([{ type: 'mobile', value: '+39 333 1234567' }, { type: 'fax', value: '+39 02 7654321' }]);
    expect(fields.photo?.mediaType).toBe('image/jpeg');
    expect(unmapped(extras)).toEqual(['X-PHONETIC-FIRST-NAME:Dschulia', 'X-DAVDROID-UNKNOWN-PROPERTIES:dummy']);
  });

  it('Thunderbird and Evolution cards', () => {
    const tb = parseVCard(fixture('thunderbird-contact.vcf'));
    expect(tb.fields).toMatchObject({ birthday: '1975-09-21', organization: 'Schmidt Bau AG', department: 'Einkauf', jobTitle: 'Einkaufsleiter' });
    expect(tb.fields.emails).toEqual([{ type: 'other', value: 'peter.schmidt@schmidt-bau.de', preferred: true }]);
    expect(unmapped(tb.extras)).toEqual(['X-MOZILLA-HTML:TRUE']);
    const evo = parseVCard(fixture('evolution-contact.vcf'), { categoryNames: ['Broker'] });
    expect(evo.fields).toMatchObject({ gender: 'male', category: 'Broker', tags: ['Milano'] });
    expect(evo.extras).toContain('X-EVOLUTION-FILE-AS:Rossi\\, Marco');
  });

  it.each([
    ['ios-contact.vcf', '3.0'], ['ios-contact.vcf', '4.0'], ['macos-company.vcf', '4.0'], ['davx5-contact.vcf', '4.0'],
    ['davx5-contact.vcf', '3.0'], ['thunderbird-contact.vcf', '4.0'], ['evolution-contact.vcf', '3.0'], ['evolution-contact.vcf', '4.0'],
  ] as const)('round trip %s as vCard %s: parse → render → parse is equal', (name, version) => {
    const { first, second, text } = roundTrip(name, version, ['Kunde', 'Broker']);
    expect(second.fields).toEqual(first.fields);
    expect(second.uid).toBe(first.uid);
    // The device's spellings of mapped lines come back only in a card of their own version.
    const sameVersion = first.extras.includes(`VERSION:${version}`) || !first.extras.some((l) => l.startsWith('VERSION:'));
    expect(second.extras).toEqual(expect.arrayContaining(sameVersion ? first.extras : unmapped(first.extras)));
    expect(expectWellFolded(text)).toBe(true);
  });
});

describe('vCard: conventions both ways', () => {
  const base = () => contactOf({ ...emptyContactFields(), givenName: 'Eva', familyName: 'Klein' });

  it('year-less birthday: vCard 3 uses Apple 1604 + X-APPLE-OMIT-YEAR, vCard 4 uses --MMDD', () => {
    const c = { ...base(), birthday: '--12-24' };
    const v3 = renderVCard(c, { version: '3.0' });
    const v4 = renderVCard(c, { version: '4.0' });
    expect(v3).toContain('BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-24\r\n');
    expect(v4).toContain('BDAY:--1224\r\n');
    expect(parseVCard(v3).fields.birthday).toBe('--12-24');
    expect(parseVCard(v4).fields.birthday).toBe('--12-24');
    expect(parseVCard('BEGIN:VCARD\nVERSION:3.0\nFN:X\nBDAY:--12-24\nEND:VCARD').fields.birthday).toBe('--12-24');
  });

  it('photo: vCard 4 data: URI, vCard 3 ENCODING=b;TYPE=PNG', () => {
    const c = { ...base(), photo: { mediaType: 'image/png', data: 'iVBORw0KGgo=' } };
    expect(renderVCard(c, { version: '4.0' })).toContain('PHOTO:data:image/png;base64,iVBORw0KGgo=\r\n');
    expect(renderVCard(c, { version: '3.0' })).toContain('PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=\r\n');
    for (const v of ['3.0', '4.0'] as const) expect(parseVCard(renderVCard(c, { version: v })).fields.photo).toEqual(c.photo);
  });

  it('a photo by URL is not a CRM photo and is kept as an extra', () => {
    const p = parseVCard('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nPHOTO;VALUE=uri:https://example.com/p.jpg\r\nEND:VCARD\r\n');
    expect(p.fields.photo).toBeNull();
    expect(p.extras).toEqual(['PHOTO;VALUE=uri:https://example.com/p.jpg']);
  });

  it('typed phones, e-mails and addresses map WORK/HOME/CELL/FAX both ways', () => {
    const c = {
      ...base(),
      phones: [
        { type: 'business', value: '1' }, { type: 'private', value: '2' }, { type: 'mobile', value: '3', preferred: true },
        { type: 'fax', value: '4' }, { type: 'other', value: '5' },
      ],
      emails: [{ type: 'business', value: 'a@x.de' }, { type: 'private', value: 'b@x.de' }],
      addresses: [{ type: 'private', street: 'Weg 1', locality: 'Ort', region: '', postalCode: '1', country: 'DE', poBox: 'PF 3' }],
    } as const;
    const contact = { ...c, phones: [...c.phones], emails: [...c.emails], addresses: [...c.addresses] };
    const v3 = renderVCard(contact, { version: '3.0' });
    expect(v3).toContain('TEL;TYPE=WORK,VOICE:1\r\n');
    expect(v3).toContain('TEL;TYPE=CELL,VOICE,pref:3\r\n');
    expect(v3).toContain('EMAIL;TYPE=INTERNET,HOME:b@x.de\r\n');
    expect(v3).toContain('ADR;TYPE=HOME:PF 3;;Weg 1;Ort;;1;DE\r\n');
    const v4 = renderVCard(contact, { version: '4.0' });
    expect(v4).toContain('TEL;TYPE=cell,voice;PREF=1:3\r\n');
    for (const text of [v3, v4]) {
      const f = parseVCard(text).fields;
      expect(f.phones).toEqual(contact.phones);
      expect(f.emails).toEqual(contact.emails);
      expect(f.addresses).toEqual(contact.addresses);
    }
  });

  it('renders the CRM category as one of the CATEGORIES, followed by the tags', () => {
    const c = { ...base(), category: 'customer', tags: ['vip', 'Customer', 'golf, tennis'] };
    const text = renderVCard(c, { version: '4.0' });
    expect(text).toContain('CATEGORIES:customer,vip,golf\\, tennis\r\n');
    expect(parseVCard(text, { categoryNames: ['customer'] }).fields).toMatchObject({ category: 'customer', tags: ['vip', 'golf, tennis'] });
  });

  it('GENDER in 4.0, X-GENDER in 3.0; ROLE ↔ profession; escaping of ; , \\ and newlines', () => {
    const c = { ...base(), gender: 'other' as const, profession: 'Notar', note: 'a;b,c\\d\nzweite Zeile', organization: 'A; B', department: 'X' };
    const v3 = renderVCard(c, { version: '3.0' });
    const v4 = renderVCard(c, { version: '4.0' });
    expect(v3).toContain('X-GENDER:Other\r\n');
    expect(v4).toContain('GENDER:O\r\n');
    expect(v3).toContain('NOTE:a\\;b\\,c\\\\d\\nzweite Zeile\r\n');
    expect(v4).toContain('NOTE:a;b\\,c\\\\d\\nzweite Zeile\r\n');
    expect(v4).toContain('ORG:A\\; B;X\r\n');
    for (const t of [v3, v4]) expect(parseVCard(t).fields).toMatchObject({ gender: 'other', profession: 'Notar', note: c.note, organization: 'A; B', department: 'X' });
  });

  it('is deterministic and folds at 75 octets without splitting UTF-8 characters', () => {
    const c = { ...base(), note: 'Ä'.repeat(200) + '😀'.repeat(40) };
    const a = renderVCard(c, { version: '4.0' });
    expect(renderVCard(structuredClone(c), { version: '4.0' })).toBe(a);
    expect(expectWellFolded(a)).toBe(true);
    expect(parseVCard(a).fields.note).toBe(c.note);
  });

  it('vCard 4 without N: FN is split into given and family name', () => {
    const p = parseVCard('BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Maria Luisa Ferrari\r\nEND:VCARD\r\n');
    expect(p.fields).toMatchObject({ givenName: 'Maria Luisa', familyName: 'Ferrari' });
  });
});

describe('vCard: malformed input and files', () => {
  it.each([
    ['no BEGIN', 'VERSION:3.0\r\nFN:X\r\nEND:VCARD\r\n', /must start with BEGIN:VCARD/],
    ['no END', 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\n', /not terminated by END:VCARD/],
    ['vCard 2.1', 'BEGIN:VCARD\r\nVERSION:2.1\r\nFN:X\r\nEND:VCARD\r\n', /version 2\.1 is not supported/],
    ['garbage line', 'BEGIN:VCARD\r\nVERSION:3.0\r\nthis is not a property\r\nEND:VCARD\r\n', /line 3: not a content line/],
    ['bad birthday', 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:X\r\nBDAY:19801345\r\nEND:VCARD\r\n', /line 4: invalid birthday/],
    ['two cards', 'BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n', /more than one vCard/],
  ])('%s → FormatError with a clear message', (_, text, message) => {
    expect(() => parseVCard(text)).toThrow(FormatError);
    expect(() => parseVCard(text)).toThrow(message);
  });

  it('a file with broken entries keeps the good ones and reports each broken one with its position', () => {
    const { entries, errors } = splitVCards(fixture('import-contacts.vcf'));
    expect(entries.map((e) => [e.index, e.line, e.card.fields.familyName])).toEqual([[1, 1, 'Weber'], [4, 20, 'Fischer']]);
    expect(errors).toEqual([
      { index: 2, line: 8, code: 'malformed', message: 'line 12: invalid birthday "1980-13-45"' },
      { index: 3, line: 15, code: 'malformed', message: 'line 19: vCard is not terminated by END:VCARD' },
    ]);
  });

  it('a contact group inside an import file is reported, not imported', () => {
    const text = fixture('apple-group.vcf') + fixture('macos-company.vcf');
    const { entries, errors } = splitVCards(text);
    expect(entries).toHaveLength(1);
    expect(errors).toEqual([expect.objectContaining({ index: 1, line: 1, code: 'not-a-contact' })]);
  });
});
