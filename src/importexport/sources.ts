// Finding the files an import reads (issue 2 item 7): one file, or a directory walked
// recursively. The format comes from the extension, else from the first bytes (content sniffing),
// so "export.txt" holding vCards is read too; anything else in a directory is skipped and listed.
import { open, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { invalid } from '../domain/errors.js';

export type FileFormat = 'vcard' | 'icalendar';

export interface SourceFile { path: string; format: FileFormat }

export interface Sources {
  files: SourceFile[];
  /** Files in a walked directory that are neither vCard nor iCalendar. */
  skipped: string[];
}

const BY_EXTENSION: Readonly<Record<string, FileFormat>> = {
  '.vcf': 'vcard', '.vcard': 'vcard', '.ics': 'icalendar', '.ical': 'icalendar', '.ifb': 'icalendar',
};

/** Format from the first non-blank line: BEGIN:VCARD or BEGIN:VCALENDAR (a BOM is allowed). */
export function sniffFormat(head: string): FileFormat | null {
  const first = head.replace(/^\uFEFF/, '').trimStart().slice(0, 20).toUpperCase();
  if (first.startsWith('BEGIN:VCARD')) return 'vcard';
  if (first.startsWith('BEGIN:VCALENDAR')) return 'icalendar';
  return null;
}

async function readHead(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

async function formatOf(path: string): Promise<FileFormat | null> {
  return BY_EXTENSION[extname(path).toLowerCase()] ?? sniffFormat(await readHead(path));
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // .DS_Store, .git and friends
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, out);
    else if (e.isFile()) out.push(path);
  }
}

/** The files to import, in a stable (sorted) order. A named file of unknown format is an error. */
export async function findSources(target: string): Promise<Sources> {
  const info = await stat(target).catch(() => null);
  if (!info) throw invalid(`${target}: no such file or directory`);
  if (info.isFile()) {
    const format = await formatOf(target);
    if (!format) throw invalid(`${target}: neither a vCard (.vcf) nor an iCalendar (.ics) file`);
    return { files: [{ path: target, format }], skipped: [] };
  }
  const paths: string[] = [];
  await walk(target, paths);
  const sources: Sources = { files: [], skipped: [] };
  for (const path of paths) {
    const format = await formatOf(path);
    if (format) sources.files.push({ path, format });
    else sources.skipped.push(path);
  }
  return sources;
}
