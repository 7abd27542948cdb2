// Typed failures of the format layer. Every parse problem is a FormatError with a machine code
// and a message a user can act on; callers (DAV 4xx bodies, import reports, L5 skip reasons) show
// the message as is.

export type FormatErrorCode =
  /** Not syntactically valid vCard / iCalendar (RFC 6350 §3.3, RFC 5545 §3.1). */
  | 'malformed'
  /** vCard 2.1 or an iCalendar VERSION other than 2.0. */
  | 'unsupported-version'
  /** A vCard that is a contact group (KIND:group, X-ADDRESSBOOKSERVER-KIND:group), not a contact. */
  | 'not-a-contact'
  /** A calendar object without VEVENT/VTODO (e.g. only VJOURNAL or VFREEBUSY). */
  | 'unsupported-component'
  /** A TZID we cannot map to an IANA zone. */
  | 'unknown-timezone';

export class FormatError extends Error {
  override readonly name = 'FormatError';
  constructor(
    readonly code: FormatErrorCode,
    message: string,
    /** 1-based line of the offending content line in the (folded) input, when known. */
    readonly line: number | null = null,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
  }
}

/** One entry of a multi-entry file that could not be read (vCard or iCalendar import). */
export interface EntryError {
  /** 1-based position of the entry in the file. */
  index: number;
  /** 1-based line where the entry starts. */
  line: number;
  code: FormatErrorCode;
  message: string;
}

export function toEntryError(index: number, line: number, err: unknown): EntryError {
  if (err instanceof FormatError) return { index, line, code: err.code, message: err.message };
  return { index, line, code: 'malformed', message: err instanceof Error ? err.message : String(err) };
}
