// The vCard fast path (src/formats/contentline.ts decodeVCard) must read every line exactly as
// ical.js does; lines it does not understand go to ical.js. These tests compare both on the real
// fixtures, on hand-picked edges and on generated lines and cards.
import fc from 'fast-check';
import ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, decodeVCard, unfold, vcardFastPath, type ContentLine, type DecodedProperty, type VCardDesign } from '../../src/formats/contentline.js';
import { parseVCard, splitVCards } from '../../src/formats/vcard.js';
import { fixture } from './helpers.js';

afterEach(() => { vcardFastPath.enabled = true; });

const PARAMS = ['type', 'pref', 'value', 'encoding', 'charset', 'x-apple-omit-year', 'group', 'label', 'x-a'];

function view(p: DecodedProperty, extraParams: readonly string[] = []) {
  const params: Record<string, unknown> = {};
  for (const name of [...PARAMS, ...extraParams]) params[name] = p.getParameter(name);
  return { params, first: p.getFirstValue(), values: p.getValues() };
}

function line(raw: string): ContentLine {
  const l = unfold(raw)[0];
  if (!l) throw new Error(`no line in ${raw}`);
  return l;
}

function paramNames(raw: string): string[] {
  const head = raw.split(':')[0] ?? '';
  return head.split(';').slice(1).map((p) => (p.split('=')[0] ?? '').toLowerCase()).filter((n) => /^[a-z0-9-]+$/.test(n));
}

/** Same answer from the fast path and from ical.js; `fast` says whether the fast path took it. */
function expectSame(raw: string, design: VCardDesign): { fast: boolean } {
  const l = line(raw);
  let slow: unknown;
  try {
    slow = view(decode(l, design), paramNames(raw));
  } catch (e) {
    slow = { error: (e as Error).message };
  }
  let quick: DecodedProperty | null = null;
  let got: unknown;
  try {
    quick = decodeVCard(l, design);
    got = view(quick, paramNames(raw));
  } catch (e) {
    got = { error: (e as Error).message };
  }
  expect(got, `${design}: ${raw}`).toEqual(slow);
  return { fast: quick !== null && !(quick instanceof ICAL.Property) };
}

describe('vCard fast path: same reading as ical.js', () => {
  it('takes the common properties of both versions', () => {
    for (const design of ['vcard3', 'vcard'] as const) {
      for (const raw of [
        'TEL;TYPE=WORK,VOICE:+49 30 1234560',
        'TEL;TYPE=CELL;TYPE=VOICE;TYPE=pref:+49 171 1234567',
        'EMAIL;TYPE=INTERNET,WORK,pref:anna@example.com',
        'ADR;TYPE=HOME:;;Via Dante 10;Napoli;Campania;80133;Italia',
        'N:Müller;Anna;Maria;Dr.;',
        'FN:Anna Müller',
        'ORG:Müller & Partner GmbH;Steuerberatung',
        'CATEGORIES:prospect,investor',
        'NICKNAME:Anni,Annie',
        'TITLE:Geschäftsführerin',
        'NOTE:first line\\nsecond\\, with comma',
        'UID:8F3E1B2C-4D5A',
        'X-GENDER:Female',
        'item1.EMAIL;type=INTERNET:assistenz@example.com',
      ]) {
        expect(expectSame(raw, design).fast, `${design}: ${raw}`).toBe(true);
      }
    }
  });

  it('reads escaped commas, semicolons, backslashes and newlines as ical.js does', () => {
    for (const design of ['vcard3', 'vcard'] as const) {
      for (const raw of [
        'ORG:Rossi\\, Bianchi & Co.\\; Milano;Vendite\\, Nord',
        'ADR:;;Via Roma 1\\, int. 3;Milano;;20121;Italia',
        'ADR:;;Hauptstr. 1,Hinterhaus;Berlin;;10115;Deutschland',
        'N:O\\;Brien;Se\\,an;;;',
        'NOTE:a\\\\b\\Nc\\nd\\;e\\:f',
        'NOTE:plain, unescaped comma',
        'CATEGORIES:a\\,b,c',
        'CATEGORIES:a\\\\,b',
        'TEL:+49 \\, 30\\;1',
        'URL:https\\://example.com',
        'X-CUSTOM:a\\,b;c',
        'FN:',
        'N:',
        'TEL;TYPE=:123',
        'BDAY;VALUE=text:circa 1800',
        'TEL;VALUE=uri:tel:+49-30-1234',
        'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ',
      ]) expectSame(raw, design);
    }
  });

  it('keeps non-ASCII and astral characters', () => {
    for (const design of ['vcard3', 'vcard'] as const) {
      for (const raw of ['FN:Zoë Ångström', 'N:Łukasiewicz;Jan;;;', 'NOTE:日本語のメモ 😀', 'ORG:Société Générale;Département Crédit']) {
        expect(expectSame(raw, design).fast).toBe(true);
      }
    }
  });

  it('leaves quoted, RFC 6868 and escaped parameters, typed values and broken lines to ical.js', () => {
    for (const design of ['vcard3', 'vcard'] as const) {
      for (const raw of [
        'TEL;TYPE="work,voice":+1 555 0100',
        'ADR;LABEL="Via Roma 1\\nMilano";TYPE=work:;;Via Roma 1;Milano;;;',
        'ADR;LABEL=Line^nTwo:;;Street;City;;;',
        'X-A;X-P=a\\,b:v',
        'BDAY:1972-01-02',
        'REV:2026-01-01T00:00:00Z',
        'TEL;TYPE=WORK',
        'TEL;;TYPE=WORK:123',
        'TEL;WORK;VOICE:123',
        'NOTE;CONSTRUCTOR=x:abc',
      ]) expect(expectSame(raw, design).fast, `${design}: ${raw}`).toBe(false);
    }
  });

  it('agrees with ical.js on generated lines', () => {
    const chars = fc.constantFrom('a', 'B', ' ', ',', ';', ':', '\\', 'n', 'N', '=', '"', '^', "'", 'ü', '😀', '.', '-');
    const text = fc.array(chars, { maxLength: 12 }).map((a) => a.join(''));
    const simpleText = fc.array(fc.constantFrom('a', 'W', 'ork', ',', '-', '1', 'ü', '=', ' '), { maxLength: 6 }).map((a) => a.join(''));
    const name = fc.constantFrom('TEL', 'EMAIL', 'ADR', 'N', 'ORG', 'FN', 'NOTE', 'CATEGORIES', 'NICKNAME', 'TITLE', 'ROLE', 'UID', 'URL', 'X-GENDER', 'GENDER', 'KIND', 'X-FOO', 'IMPP', 'LABEL', 'GEO', 'TZ');
    const group = fc.option(fc.constantFrom('item1', 'ITEM2', 'a-b'), { nil: null });
    const param = fc.tuple(fc.constantFrom('TYPE', 'type', 'PREF', 'VALUE', 'X-A', 'ENCODING', 'CHARSET', 'Label'), fc.oneof(simpleText, text));
    const raw = fc.tuple(group, name, fc.array(param, { maxLength: 4 }), text).map(([g, n, ps, v]) =>
      `${g ? `${g}.` : ''}${n}${ps.map(([k, pv]) => `;${k}=${pv}`).join('')}:${v}`);
    fc.assert(fc.property(raw, fc.constantFrom<VCardDesign>('vcard3', 'vcard'), (r, design) => {
      expectSame(r, design);
    }), { numRuns: 3000 });
  });
});

describe('vCard fast path: whole cards read the same with and without it', () => {
  const both = (text: string) => {
    vcardFastPath.enabled = false;
    const slow = splitVCards(text, { categoryNames: ['Kunde', 'Interessent'] });
    vcardFastPath.enabled = true;
    const fast = splitVCards(text, { categoryNames: ['Kunde', 'Interessent'] });
    expect(fast).toEqual(slow);
    return fast;
  };

  it('on every vCard fixture', () => {
    for (const name of ['ios-contact.vcf', 'macos-company.vcf', 'davx5-contact.vcf', 'evolution-contact.vcf', 'thunderbird-contact.vcf', 'import-contacts.vcf', 'apple-group.vcf']) {
      both(fixture(name));
    }
  });

  it('on folded lines, CRLF or LF, folds inside multi-byte characters and escapes', () => {
    const card = [
      'BEGIN:VCARD', 'VERSION:3.0', 'UID:fold-1',
      'N:Ångström;Zoë;;;', 'FN:Zoë Ångström',
      'ORG:Rossi\\, Bianchi & C', ' o.\\; Milano;Vendite',
      'NOTE:Erste Zeile\\nzweite Zeile mit Kom', '\tma\\, und Semikolon\\; Ende 😀',
      'TEL;TYPE=WORK,', ' VOICE:+39 02 1234567',
      'EMAIL;TYPE=INTERNET:zo', ' e@example.com',
      'CATEGORIES:Kunde,Messe\\,2026,kunde',
      'END:VCARD', '',
    ];
    for (const eol of ['\r\n', '\n']) {
      const { entries, errors } = both(card.join(eol));
      expect(errors).toEqual([]);
      const f = entries[0]!.card.fields;
      expect(f).toMatchObject({ familyName: 'Ångström', givenName: 'Zoë', organization: 'Rossi, Bianchi & Co.; Milano', department: 'Vendite', category: 'Kunde', tags: ['Messe,2026'] });
      expect(f.note).toBe('Erste Zeile\nzweite Zeile mit Komma, und Semikolon; Ende 😀');
      expect(f.phones).toEqual([{ type: 'business', value: '+39 02 1234567' }]);
      expect(f.emails).toEqual([{ type: 'other', value: 'zoe@example.com' }]);
    }
  });

  it('keeps unknown properties verbatim as extras, and rejects vCard 2.1 as before', () => {
    const v3 = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A B\r\nX-SOCIALPROFILE;type=linkedin;x-user=ab:https://example.com/ab\r\nIMPP;TYPE=home:xmpp:ab@example.com\r\nEND:VCARD\r\n';
    const { entries } = both(v3);
    expect(entries[0]!.card.extras).toEqual(['X-SOCIALPROFILE;type=linkedin;x-user=ab:https://example.com/ab', 'IMPP;TYPE=home:xmpp:ab@example.com']);
    // vCard 2.1 (QUOTED-PRINTABLE, CHARSET) is not supported by the parser: the card is reported, not misread.
    const v21 = 'BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;Anna\r\nEND:VCARD\r\n';
    const r = both(v21);
    expect(r.entries).toEqual([]);
    expect(r.errors[0]?.message).toMatch(/version 2\.1/);
    expect(() => parseVCard(v21)).toThrow(/2\.1/);
  });

  it('on generated cards', () => {
    const value = fc.array(fc.constantFrom('a', 'Z', ' ', ',', ';', '\\', 'n', ':', 'ß', '😀', '-', '@'), { minLength: 1, maxLength: 14 }).map((a) => a.join(''));
    const prop = fc.tuple(
      fc.constantFrom('TEL', 'TEL;TYPE=CELL', 'TEL;TYPE=WORK,VOICE;TYPE=pref', 'EMAIL;TYPE=INTERNET,HOME', 'ADR;TYPE=WORK', 'N', 'ORG', 'TITLE', 'ROLE', 'NOTE', 'NICKNAME', 'CATEGORIES', 'X-GENDER', 'URL', 'item1.TEL', 'item1.X-ABLabel', 'X-FOO;X-P=1', 'FN', 'UID'),
      value,
    ).map(([head, v]) => `${head}:${v}`);
    fc.assert(fc.property(fc.array(prop, { maxLength: 12 }), fc.constantFrom('3.0', '4.0'), (props, version) => {
      both(['BEGIN:VCARD', `VERSION:${version}`, ...props, 'END:VCARD', ''].join('\r\n'));
    }), { numRuns: 500 });
  });
});
