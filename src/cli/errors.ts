// Every failure a user can cause ends as one line on stderr and a non-zero exit, never a stack
// trace (issue 2 item 7): CrmError and FormatError carry a message written for people; file
// system errors name the path; anything else is shown by its message (CRMSYNC_DEBUG=1 adds the stack).
import { CommanderError } from 'commander';
import { CrmError } from '../domain/errors.js';
import { FormatError } from '../formats/index.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** Import finished, but some entries could not be imported. */
export const EXIT_PARTIAL = 2;

/** A mistake in how the command was called (missing option, conflicting flags). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FS_CODES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory',
  EEXIST: 'already exists', ENOSPC: 'no space left on device', ECONNREFUSED: 'connection refused',
};

function messageOf(err: unknown): string {
  if (err instanceof CrmError || err instanceof FormatError || err instanceof UsageError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && FS_CODES[e.code]) {
    const where = e.path ?? (e as { address?: string }).address;
    return where ? `${where}: ${FS_CODES[e.code]}` : `${FS_CODES[e.code]} (${e.message})`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Prints the error and returns the exit code. */
export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (err instanceof CommanderError) return err.exitCode; // commander has printed its own message
  stderr.write(`crmsync: ${messageOf(err).split('\n')[0]}\n`);
  if (process.env.CRMSYNC_DEBUG && err instanceof Error && err.stack) stderr.write(`${err.stack}\n`);
  return EXIT_FAILURE;
}
