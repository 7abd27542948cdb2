import { describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';

describe('record ids (UUIDv7, RFC 9562 §5.7)', () => {
  it('are version 7 UUIDs with the RFC variant, carrying the creation time', () => {
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('sort by creation time across milliseconds, so new rows append to id-keyed indexes', async () => {
    const first = newId();
    await new Promise((r) => setTimeout(r, 3));
    const second = newId();
    expect([second, first].sort()).toEqual([first, second]);
  });

  it('do not repeat within a millisecond', () => {
    const ids = Array.from({ length: 10_000 }, newId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
