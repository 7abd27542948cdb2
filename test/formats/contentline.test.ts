// Content lines (RFC 5545 §3.1, RFC 6350 §3.2): unfolding with line numbers, as the parsers and the
// error positions of an import rely on it, and the vCard fast path's per-head reading.
import { describe, expect, it } from 'vitest';
import { decode, decodeVCard, unfold } from '../../src/formats/contentline.js';
import { splitVCards } from '../../src/formats/vcard.js';

const view = (text: string) => unfold(text).map((l) => [l.line, l.group, l.name, l.raw]);

describe('unfolding', () => {
  it('reads CRLF, LF and lone CR line breaks alike, drops a BOM and blank lines, numbers physical lines', () => {
    const expected = [[1, null, 'BEGIN', 'BEGIN:VCARD'], [3, 'item1', 'EMAIL', 'item1.EMAIL:a@b.c'], [4, null, 'END', 'END:VCARD']];
    expect(view('\uFEFFBEGIN:VCARD\r\n\r\nitem1.EMAIL:a@b.c\r\nEND:VCARD\r\n')).toEqual(expected);
    expect(view('BEGIN:VCARD\n\nitem1.EMAIL:a@b.c\nEND:VCARD')).toEqual(expected);
    expect(view('BEGIN:VCARD\r\rITEM1.EMAIL:a@b.c\rEND:VCARD\r').map((l) => l.slice(0, 3))).toEqual(expected.map((l) => l.slice(0, 3)));
    expect(view('BEGIN:VCARD\r\n\ritem1.EMAIL:a@b.c\nEND:VCARD')).toEqual(expected);
  });

  it('joins continuation lines (one space or tab removed) and keeps the first physical line number', () => {
    expect(view('NOTE:one\r\n  two\r\n\tthree\r\nFN:x\r\n')).toEqual([[1, null, 'NOTE', 'NOTE:one twothree'], [4, null, 'FN', 'FN:x']]);
  });

  it('a line that is no content line gets an empty name (and spoils only its own entry)', () => {
    expect(view('not a line\r\n.EMAIL:x\r\na.b.C:x\r\nX-A;p=1:v')).toEqual([
      [1, null, '', 'not a line'], [2, null, '', '.EMAIL:x'], [3, null, '', 'a.b.C:x'], [4, null, 'X-A', 'X-A;p=1:v'],
    ]);
    const r = splitVCards('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nbroken\r\nEND:VCARD\r\n');
    expect(r.entries.map((e) => e.card.fields.givenName)).toEqual(['A']);
    expect(r.errors).toMatchObject([{ index: 2, line: 5 }]); // the card's BEGIN line
  });
});

describe('vCard fast path: lines that share a head', () => {
  it('read their own values, as ical.js does, with the parameters of the head', () => {
    for (const raw of ['TEL;TYPE=WORK,VOICE:+49 1', 'TEL;TYPE=WORK,VOICE:tel:+49 2', 'TEL;TYPE=WORK,VOICE:', 'TEL;TYPE=WORK,VOICE:+49\\,3']) {
      const l = unfold(raw)[0]!;
      const fast = decodeVCard(l, 'vcard3');
      const slow = decode(l, 'vcard3');
      expect([fast.getValues(), fast.getParameter('type')]).toEqual([slow.getValues(), slow.getParameter('type')]);
    }
  });

  it('share parameters nobody can change', () => {
    const [a, b] = unfold('EMAIL;TYPE=INTERNET;TYPE=WORK:a@x.de\r\nEMAIL;TYPE=INTERNET;TYPE=WORK:b@x.de').map((l) => decodeVCard(l, 'vcard3'));
    const types = a!.getParameter('type') as string[];
    expect(() => types.push('HOME')).toThrow();
    expect(b!.getParameter('type')).toEqual(['INTERNET', 'WORK']);
  });
});
