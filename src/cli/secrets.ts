// Passwords on the command line end up in shell history; --password-stdin reads one from stdin
// (e.g. `printf %s "$PW" | crmsync user add alice --password-stdin`).
import { UsageError } from './errors.js';

export async function readStdinLine(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stdin) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export interface PasswordFlags { password?: string; passwordStdin?: boolean }

/** The password from --password or --password-stdin; exactly one of them. */
export async function passwordFrom(flags: PasswordFlags): Promise<string> {
  if (flags.password !== undefined && flags.passwordStdin) throw new UsageError('give either --password or --password-stdin, not both');
  if (flags.password !== undefined) return flags.password;
  if (flags.passwordStdin) return readStdinLine();
  throw new UsageError('a password is needed: --password PW or --password-stdin');
}
