// One .ics file from many rendered calendar objects. The formats module renders each appointment
// or task as a complete VCALENDAR (a CalDAV resource, RFC 4791 §4.1); an export file is one
// VCALENDAR (RFC 5545 §3.4) holding every VEVENT/VTODO and each VTIMEZONE once, zones first.
import { PRODID } from '../formats/index.js';

export class CalendarFileBuilder {
  private readonly zones = new Map<string, string[]>();
  private readonly body: string[] = [];

  /** Adds the components of one rendered VCALENDAR (lines are CRLF, folded continuations start with a space). */
  add(document: string): void {
    const lines = document.split('\r\n');
    let i = 0;
    while (i < lines.length) {
      const line = lines[i]!;
      const m = /^BEGIN:(\S+)$/i.exec(line);
      if (!m || m[1]!.toUpperCase() === 'VCALENDAR') { i++; continue; }
      const name = m[1]!.toUpperCase();
      const end = lines.findIndex((l, j) => j > i && l.toUpperCase() === `END:${name}`);
      const block = lines.slice(i, end === -1 ? lines.length : end + 1);
      if (name === 'VTIMEZONE') {
        const tzid = block.find((l) => l.startsWith('TZID:')) ?? block.join();
        if (!this.zones.has(tzid)) this.zones.set(tzid, block);
      } else this.body.push(...block);
      i += block.length;
    }
  }

  toString(): string {
    const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'CALSCALE:GREGORIAN',
      ...[...this.zones.values()].flat(), ...this.body, 'END:VCALENDAR'];
    return `${lines.join('\r\n')}\r\n`;
  }
}
