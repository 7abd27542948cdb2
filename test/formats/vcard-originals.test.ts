// A device's spelling of mapped vCard properties comes back unchanged while the CRM value is
// unchanged, and the CRM's value is rendered once it changed (src/formats/vcard-originals.ts).
import { describe, expect, it } from 'vitest';
import type { Contact } from '../../src/domain/records.js';
import { parseVCard, renderVCard } from '../../src/formats/vcard.js';
import { contactOf } from './helpers.js';

const card = (version: '3.0' | '4.0', ...lines: string[]) =>
  ['BEGIN:VCARD', `VERSION:${version}`, 'UID:u-1', ...lines, 'END:VCARD', ''].join('\r\n');

/** Parse, let the CRM change the contact, render in `version` with the parse's extras; unfolded lines. */
function roundTrip(text: string, change: (c: Contact) => void = () => undefined, version: '3.0' | '4.0' = '3.0') {
  const parsed = parseVCard(text);
  const contact = contactOf(parsed.fields, parsed.uid!);
  change(contact);
  return renderVCard(contact, { version, extras: parsed.extras }).replace(/\r\n[ \t]/g, '').split('\r\n');
}

describe('vCard: a device spelling of a mapped property', () => {
  it('a work fax stays "TYPE=work,fax" while the CRM holds it as a fax with that number', () => {
    const text = card('3.0', 'FN:Giulia Bianchi', 'N:Bianchi;Giulia;;;', 'TEL;TYPE=work,fax:+39 02 7654321');
    expect(parseVCard(text).fields.phones).toEqual([{ type: 'fax', value: '+39 02 7654321' }]); // the CRM sees a fax
    const lines = roundTrip(text);
    expect(lines).toContain('TEL;TYPE=work,fax:+39 02 7654321');
    expect(lines.filter((l) => l.startsWith('TEL'))).toHaveLength(1);
  });

  it('a fax number changed in the CRM is rendered from the CRM (the old spelling is dropped)', () => {
    const lines = roundTrip(card('3.0', 'FN:A B', 'N:B;A;;;', 'TEL;TYPE=work,fax:+39 02 7654321'), (c) => {
      c.phones[0] = { type: 'fax', value: '+39 02 1111111' };
    });
    expect(lines.filter((l) => l.startsWith('TEL'))).toEqual(['TEL;TYPE=FAX:+39 02 1111111']);
  });

  it("Apple's TYPE=MAIN is an 'other' phone in the CRM and comes back as MAIN; a new type is written as the CRM's", () => {
    const text = card('3.0', 'FN:Rossi', 'ORG:Rossi', 'X-ABShowAs:COMPANY', 'TEL;type=MAIN:+39 02 1234567');
    expect(parseVCard(text).fields.phones).toEqual([{ type: 'other', value: '+39 02 1234567' }]);
    expect(roundTrip(text)).toContain('TEL;type=MAIN:+39 02 1234567');
    const changed = roundTrip(text, (c) => {
      c.phones[0] = { type: 'business', value: '+39 02 1234567' };
    });
    expect(changed.filter((l) => l.startsWith('TEL'))).toEqual(['TEL;TYPE=WORK,VOICE:+39 02 1234567']);
  });

  it("Evolution's X-EVOLUTION-UI-SLOT parameters survive on unchanged e-mails and phones, not on changed ones", () => {
    const text = card('3.0', 'FN:Marco Rossi', 'N:Rossi;Marco;;;',
      'EMAIL;X-EVOLUTION-UI-SLOT=1;TYPE=WORK:marco@rossi.example',
      'TEL;X-EVOLUTION-UI-SLOT=1;TYPE=CELL:+39 347 5551234',
      'TEL;X-EVOLUTION-UI-SLOT=2;TYPE=HOME,VOICE:+39 02 5550000');
    const same = roundTrip(text);
    expect(same).toContain('EMAIL;X-EVOLUTION-UI-SLOT=1;TYPE=WORK:marco@rossi.example');
    expect(same).toContain('TEL;X-EVOLUTION-UI-SLOT=1;TYPE=CELL:+39 347 5551234');
    expect(same).toContain('TEL;X-EVOLUTION-UI-SLOT=2;TYPE=HOME,VOICE:+39 02 5550000');
    const changed = roundTrip(text, (c) => {
      c.emails[0] = { type: 'business', value: 'marco@rossi-immobilien.example' };
      c.phones = [c.phones[1]!];
    });
    expect(changed.filter((l) => /^(EMAIL|TEL)/.test(l))).toEqual([
      'TEL;X-EVOLUTION-UI-SLOT=2;TYPE=HOME,VOICE:+39 02 5550000',
      'EMAIL;TYPE=INTERNET,WORK:marco@rossi-immobilien.example',
    ]);
  });

  it("the device's FN is served back while the name is unchanged; a renamed contact gets the CRM's FN", () => {
    const text = card('3.0', 'N:Schneider;Jonas;;Herr;', 'FN:Jonas Schneider');
    expect(parseVCard(text).fields).toMatchObject({ prefix: 'Herr', givenName: 'Jonas', familyName: 'Schneider' });
    const same = roundTrip(text);
    expect(same.filter((l) => l.startsWith('FN'))).toEqual(['FN:Jonas Schneider']);
    const renamed = roundTrip(text, (c) => {
      c.familyName = 'Schneider-Vogt';
    });
    expect(renamed.filter((l) => l.startsWith('FN'))).toEqual(['FN:Herr Jonas Schneider-Vogt']);
  });

  it('an FN with parameters and escapes comes back byte for byte; the bookkeeping parameter never leaves', () => {
    const text = card('4.0', 'N:Dupont;Jean;;M.;', 'FN;LANGUAGE=fr:Jean Dupont\\, notaire');
    const lines = roundTrip(text, () => undefined, '4.0');
    expect(lines.filter((l) => l.startsWith('FN'))).toEqual(['FN;LANGUAGE=fr:Jean Dupont\\, notaire']);
    expect(lines.join('\n')).not.toMatch(/X-CRMSYNC/i);
  });

  it('spellings of a vCard 4 are not written into a vCard 3 (PREF=1 is no vCard 3 parameter)', () => {
    const text = card('4.0', 'FN:Lena Fischer', 'N:Fischer;Lena;;;', 'EMAIL;PREF=1;TYPE=work:lena@fischer.example', 'TEL;TYPE=work;VALUE=TEXT:+49 40 123123');
    const v3 = roundTrip(text, () => undefined, '3.0');
    expect(v3.filter((l) => /^(EMAIL|TEL)/.test(l))).toEqual(['TEL;TYPE=WORK,VOICE:+49 40 123123', 'EMAIL;TYPE=INTERNET,WORK,pref:lena@fischer.example']);
    const v4 = roundTrip(text, () => undefined, '4.0');
    expect(v4).toContain('EMAIL;PREF=1;TYPE=work:lena@fischer.example');
    expect(v4).toContain('TEL;TYPE=work;VALUE=TEXT:+49 40 123123');
  });

  it("a card as crmsync writes it keeps nothing extra (the renderer's own lines are not stored twice)", () => {
    const first = parseVCard(card('3.0', 'FN:Herr Jonas Schneider', 'N:Schneider;Jonas;;Herr;', 'TEL;TYPE=WORK,FAX:1', 'X-FOO:bar'));
    const rendered = renderVCard(contactOf(first.fields, first.uid!), { version: '3.0', extras: first.extras });
    expect(parseVCard(rendered).extras).toEqual(['VERSION:3.0', 'TEL;TYPE=WORK,FAX:1', 'X-FOO:bar']);
    const plain = renderVCard(contactOf(first.fields, first.uid!), { version: '3.0' });
    expect(parseVCard(plain).extras).toEqual([]);
  });
});
