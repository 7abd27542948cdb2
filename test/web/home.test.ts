// The start page speaks the browser's language (U6) and tells how to connect a device (A1).
import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { pickLanguage, registerHome } from '../../src/web/home.js';

describe('start page', () => {
  it('picks German, Italian or English from Accept-Language, honouring q-values', () => {
    expect(pickLanguage('de-CH,de;q=0.9,en;q=0.8')).toBe('de');
    expect(pickLanguage('fr-FR,it;q=0.7,de;q=0.5')).toBe('it');
    expect(pickLanguage('en;q=0.3,de;q=0.9')).toBe('de');
    expect(pickLanguage('fr')).toBe('en');
    expect(pickLanguage(undefined)).toBe('en');
  });

  it('shows the server URL and the device login form in the chosen language', async () => {
    const f = Fastify();
    await registerHome(f);
    const res = await f.inject({ method: 'GET', url: '/', headers: { host: 'crm.example.com:8080', 'accept-language': 'it-IT' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-language']).toBe('it');
    expect(res.body).toContain('<code>http://crm.example.com:8080/</code>');
    expect(res.body).toContain('alice_device=iPhone');
    expect(res.body).toContain('Collegare uno smartphone');
    const evil = await f.inject({ method: 'GET', url: '/', headers: { host: '<script>x</script>' } });
    expect(evil.body).not.toContain('<script>x');
  });
});
