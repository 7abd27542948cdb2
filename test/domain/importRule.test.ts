import { describe, expect, it } from 'vitest';
import { classifyNewContact } from '../../src/domain/importRule.js';
import { DEFAULT_SYNC_SETTINGS } from '../../src/domain/records.js';

describe('I1 import rule', () => {
  it('takes customers and prospects by their category words in English, German and Italian, any case', () => {
    expect(classifyNewContact(['Family', 'kunde'], DEFAULT_SYNC_SETTINGS)).toEqual({ accept: true, category: 'customer' });
    expect(classifyNewContact(['Cliente'], DEFAULT_SYNC_SETTINGS)).toEqual({ accept: true, category: 'customer' });
    expect(classifyNewContact(['INTERESSENT'], DEFAULT_SYNC_SETTINGS)).toEqual({ accept: true, category: 'prospect' });
    expect(classifyNewContact(['Potenziale'], DEFAULT_SYNC_SETTINGS)).toEqual({ accept: true, category: 'prospect' });
  });

  it('refuses anything else with a reason that names the accepted words', () => {
    const r = classifyNewContact(['Friends'], DEFAULT_SYNC_SETTINGS);
    expect(r.accept).toBe(false);
    expect(!r.accept && r.reason).toMatch(/"Kunde"/);
    expect(classifyNewContact([], DEFAULT_SYNC_SETTINGS).accept).toBe(false);
  });

  it('uses the configured words instead of the defaults', () => {
    const s = { importCustomerWords: ['Mandant'], importProspectWords: [] };
    expect(classifyNewContact(['Mandant'], s)).toEqual({ accept: true, category: 'customer' });
    expect(classifyNewContact(['Kunde'], s).accept).toBe(false);
  });
});
