// iCalendar UTC DATE-TIME values in XML attributes (RFC 4791 §9.9 time-range, §9.6.5 expand):
// "the date with UTC time" form of RFC 5545 §3.3.5, e.g. 20060104T000000Z.

const UTC_DATE_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Epoch milliseconds of a UTC date-time, or undefined when the text is not one (floating, TZ, bad date). */
export function parseUtcDateTime(text: string): number | undefined {
  const m = UTC_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it maps years 0-99 to 1900-1999
  date.setUTCHours(h, mi, Math.min(s, 59), 0); // a leap second counts as :59
  if (date.getUTCDate() !== d) return undefined; // 20060231 rolls over: refuse
  return date.getTime();
}

/** The inverse, for responses and messages. */
export function formatUtcDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
