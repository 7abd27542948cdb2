// CLI plumbing: errors as one line with the right exit code; progress as plain lines off a terminal.
import { PassThrough } from 'node:stream';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { conflict } from '../../src/domain/errors.js';
import { FormatError } from '../../src/formats/index.js';
import { EXIT_FAILURE, reportError, UsageError } from '../../src/cli/errors.js';
import { progressDisplay } from '../../src/cli/progress.js';
import { formatTable } from '../../src/cli/table.js';

function capture(): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

describe('reportError', () => {
  it.each([
    [conflict('user alice already exists'), 'crmsync: user alice already exists\n'],
    [new FormatError('malformed', 'vCard is not terminated by END:VCARD', 4), 'crmsync: line 4: vCard is not terminated by END:VCARD\n'],
    [new UsageError('a password is needed: --password PW or --password-stdin'), 'crmsync: a password is needed: --password PW or --password-stdin\n'],
    [Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: '/x/y.vcf' }), 'crmsync: /x/y.vcf: no such file or directory\n'],
    [new Error('first line\nsecond line'), 'crmsync: first line\n'],
  ])('prints %s as one line and returns 1', (err, expected) => {
    const out = capture();
    expect(reportError(err, out.stream)).toBe(EXIT_FAILURE);
    expect(out.text()).toBe(expected);
  });

  it("leaves commander's own errors to commander and keeps its exit code", () => {
    const out = capture();
    expect(reportError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), out.stream)).toBe(0);
    expect(out.text()).toBe('');
  });
});

describe('progressDisplay off a terminal', () => {
  it('prints about ten plain lines and always the last one', () => {
    const out = capture();
    const p = progressDisplay('imported', out.stream as unknown as NodeJS.WriteStream);
    for (let done = 1000; done <= 50_000; done += 1000) p.listener(done, 50_000);
    p.listener(50_001, 50_001);
    p.stop();
    const lines = out.text().trim().split('\n');
    expect(lines[0]).toBe('imported 1000/50000');
    expect(lines).toContain('imported 6000/50000');
    expect(lines[lines.length - 1]).toBe('imported 50001/50001');
    expect(lines.length).toBeLessThanOrEqual(12);
  });

  it('prints nothing when there was no work', () => {
    const out = capture();
    progressDisplay('exported', out.stream as unknown as NodeJS.WriteStream).stop();
    expect(out.text()).toBe('');
  });
});

describe('formatTable', () => {
  it('aligns columns', () => {
    expect(formatTable(['A', 'LONG'], [['xyz', '1'], ['q', '22']])).toBe('A    LONG\nxyz  1\nq    22\n');
  });
});
