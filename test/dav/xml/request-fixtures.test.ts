// Golden request fixtures: each test/fixtures/dav/requests/*.xml (RFC examples) parses to the
// AST stored next to it as *.json. The method comes from the file name.

import { describe, expect, it } from 'vitest';
import { parseDavRequest, type DavBodyMethod } from '../../../src/dav/xml/index.js';
import { golden, listFixtures, readFixture } from './fixtures.js';

function methodOf(file: string): DavBodyMethod {
  if (file.includes('-propfind-')) return 'PROPFIND';
  if (file.includes('-proppatch')) return 'PROPPATCH';
  if (file.includes('-mkcalendar')) return 'MKCALENDAR';
  if (file.includes('-mkcol')) return 'MKCOL';
  return 'REPORT';
}

describe('request fixtures (RFC examples)', () => {
  const files = listFixtures('requests', '.xml');

  it('covers the RFC examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  for (const file of files) {
    it(`${file} parses to its golden AST`, () => {
      const ast = parseDavRequest(readFixture('requests', file), methodOf(file));
      const actual = `${JSON.stringify(ast, null, 2)}\n`;
      const expected = golden('requests', file.replace(/\.xml$/, '.json'), actual);
      expect(expected, `missing golden ${file}.json; run with UPDATE_FIXTURES=1`).toBeDefined();
      expect(JSON.parse(actual)).toEqual(JSON.parse(expected!));
    });
  }
});
