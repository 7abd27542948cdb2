// Locating golden fixtures; `UPDATE_FIXTURES=1 npx vitest run test/dav/xml` rewrites them,
// so a parser or serialiser change shows up as a reviewable fixture diff.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/dav');
export const UPDATE = process.env.UPDATE_FIXTURES === '1';

export function listFixtures(sub: string, ext: string): string[] {
  return readdirSync(join(FIXTURES, sub))
    .filter((f) => f.endsWith(ext))
    .sort();
}

export const readFixture = (sub: string, name: string): string => readFileSync(join(FIXTURES, sub, name), 'utf8');

/** The golden text, written first when updating. `undefined` when it does not exist yet. */
export function golden(sub: string, name: string, actual: string): string | undefined {
  const path = join(FIXTURES, sub, name);
  if (UPDATE) writeFileSync(path, actual);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
