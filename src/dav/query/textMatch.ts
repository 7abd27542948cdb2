// text-match (RFC 4791 §9.7.5, RFC 6352 §10.5.4) under the collations of RFC 4790:
// i;octet compares code units, i;ascii-casemap folds ASCII letters only, i;unicode-casemap
// (RFC 5051) folds case in full (ß = SS) after compatibility decomposition.
import type { Collation, MatchType, TextMatch } from '../xml/index.js';

export function fold(s: string, collation: Collation): string {
  switch (collation) {
    case 'i;octet':
      return s;
    case 'i;ascii-casemap':
      return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
    case 'i;unicode-casemap':
      return s.normalize('NFKD').toUpperCase().toLowerCase().normalize('NFKD');
    default: {
      const never: never = collation;
      throw new Error(`unhandled collation ${String(never)}`);
    }
  }
}

function matchFolded(value: string, text: string, type: MatchType): boolean {
  switch (type) {
    case 'equals': return value === text;
    case 'contains': return value.includes(text);
    case 'starts-with': return value.startsWith(text);
    case 'ends-with': return value.endsWith(text);
    default: {
      const never: never = type;
      throw new Error(`unhandled match type ${String(never)}`);
    }
  }
}

/** Does one value satisfy the text-match (negate-condition applied)? */
export function textMatches(value: string, m: TextMatch): boolean {
  const hit = matchFolded(fold(value, m.collation), fold(m.text, m.collation), m.matchType);
  return m.negate ? !hit : hit;
}
