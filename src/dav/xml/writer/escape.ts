// Escaping for XML 1.0 output. Characters XML 1.0 cannot carry at all (C0 controls other
// than TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF; XML 1.0 §2.2) are dropped, never emitted.
// CR is written as &#13; so CRLF line ends of calendar/address data survive the reader's
// end-of-line normalisation (XML 1.0 §2.11).

// The quick test runs without the u flag (faster) and so also stops at valid surrogate pairs;
// the replacement runs with it, where a lone surrogate is one code point in D800–DFFF and a
// valid pair is not, so only the lone ones are dropped.
const TEXT_SPECIAL = /[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
const TEXT_SPECIAL_ALL = new RegExp(TEXT_SPECIAL.source, 'gu');
const ATTR_SPECIAL = /[&<>"\t\n\r\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ATTR_SPECIAL_ALL = new RegExp(ATTR_SPECIAL.source, 'gu');

const REPLACEMENT: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

const replace = (ch: string): string => REPLACEMENT[ch] ?? '';

export function escapeText(s: string): string {
  return TEXT_SPECIAL.test(s) ? s.replace(TEXT_SPECIAL_ALL, replace) : s;
}

export function escapeAttr(s: string): string {
  return ATTR_SPECIAL.test(s) ? s.replace(ATTR_SPECIAL_ALL, replace) : s;
}
