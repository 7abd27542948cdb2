// What an import did (issue 2 items 7 and 9): counts per kind, and each broken entry with its
// file and position, so a user can fix exactly those and import again (matching by UID keeps
// the good ones from being duplicated).

export interface EntryFailure {
  file: string;
  /** 1-based position of the entry in its file (card or calendar object). */
  index: number;
  /** 1-based line where the entry starts. */
  line: number;
  message: string;
}

export interface KindCounts { created: number; matched: number }

export type ImportedKind = 'contacts' | 'appointments' | 'tasks';

export class ImportReport {
  readonly counts: Record<ImportedKind, KindCounts> = {
    contacts: { created: 0, matched: 0 }, appointments: { created: 0, matched: 0 }, tasks: { created: 0, matched: 0 },
  };
  readonly failures: EntryFailure[] = [];
  /** Files of a walked directory that were neither vCard nor iCalendar. */
  readonly skippedFiles: string[] = [];

  add(kind: ImportedKind, matched: boolean): void {
    this.counts[kind][matched ? 'matched' : 'created']++;
  }

  get created(): number {
    return this.counts.contacts.created + this.counts.appointments.created + this.counts.tasks.created;
  }

  get matched(): number {
    return this.counts.contacts.matched + this.counts.appointments.matched + this.counts.tasks.matched;
  }

  get failed(): number {
    return this.failures.length;
  }

  /** One line: "created 12, matched 3, failed 1 (contacts 10/2, appointments 2/1, tasks 0/0 created/matched)". */
  summary(): string {
    const per = (Object.keys(this.counts) as ImportedKind[])
      .map((k) => `${k} ${this.counts[k].created}/${this.counts[k].matched}`).join(', ');
    return `created ${this.created}, matched ${this.matched}, failed ${this.failed} (${per} created/matched)`;
  }
}

/** "file.vcf: entry 3 (line 17): message" */
export function formatFailure(f: EntryFailure): string {
  return `${f.file}: entry ${f.index} (line ${f.line}): ${f.message}`;
}
