// The start page: how to connect a device, where the API lives. In English, German and Italian,
// chosen by the browser's Accept-Language (SPEC U6; the seeds' own languages). The sync panel and
// settings pages (U1–U5) build on the REST API and come later.
import type { FastifyInstance } from 'fastify';

type Lang = 'en' | 'de' | 'it';

const TEXT: Record<Lang, { title: string; intro: string; devices: string; steps: string[]; api: string; docs: string }> = {
  en: {
    title: 'crmsync', intro: 'Keeps your CRM contacts, appointments and tasks in step with your phone, desktop and cloud accounts.',
    devices: 'Connect a phone or desktop', api: 'For developers', docs: 'REST API documentation',
    steps: ['Add a CalDAV account (calendar, tasks) and a CardDAV account (contacts).', 'Server: {url}', 'User name: your user name, then _device= and a name for the device, e.g. {example}', 'Password: your crmsync password or the device\'s app password.'],
  },
  de: {
    title: 'crmsync', intro: 'Hält Kontakte, Termine und Aufgaben Ihres CRM mit Smartphone, Desktop und Cloud-Konten synchron.',
    devices: 'Smartphone oder Desktop verbinden', api: 'Für Entwickler', docs: 'Dokumentation der REST-API',
    steps: ['Legen Sie ein CalDAV-Konto (Kalender, Aufgaben) und ein CardDAV-Konto (Kontakte) an.', 'Server: {url}', 'Benutzername: Ihr Benutzername, dann _device= und ein Name für das Gerät, z. B. {example}', 'Passwort: Ihr crmsync-Passwort oder das App-Passwort des Geräts.'],
  },
  it: {
    title: 'crmsync', intro: 'Mantiene allineati contatti, appuntamenti e attività del CRM con smartphone, desktop e account cloud.',
    devices: 'Collegare uno smartphone o un desktop', api: 'Per sviluppatori', docs: 'Documentazione della REST API',
    steps: ['Aggiungete un account CalDAV (calendario, attività) e un account CardDAV (contatti).', 'Server: {url}', 'Nome utente: il vostro nome utente, poi _device= e un nome per il dispositivo, ad es. {example}', 'Password: la vostra password crmsync o la password per app del dispositivo.'],
  },
};

/** The first supported language in Accept-Language order (q-values respected), else English. */
export function pickLanguage(header: string | undefined): Lang {
  const ranked = (header ?? '').split(',').map((part) => {
    const [tag = '', ...params] = part.trim().split(';');
    const q = Number(params.find((p) => p.trim().startsWith('q='))?.split('=')[1] ?? '1');
    return { lang: tag.toLowerCase().split('-')[0] ?? '', q: Number.isFinite(q) ? q : 0 };
  }).filter((x) => x.q > 0).sort((a, b) => b.q - a.q);
  for (const { lang } of ranked) if (lang === 'en' || lang === 'de' || lang === 'it') return lang;
  return 'en';
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderHome(lang: Lang, serverUrl: string): string {
  const t = TEXT[lang];
  const fill = (s: string) => escape(s).replace('{url}', `<code>${escape(serverUrl)}</code>`).replace('{example}', '<code>alice_device=iPhone</code>');
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>${t.title}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .3em}</style></head>`
    + `<body><h1>${t.title}</h1><p>${escape(t.intro)}</p><h2>${escape(t.devices)}</h2><ol>${t.steps.map((s) => `<li>${fill(s)}</li>`).join('')}</ol>`
    + `<h2>${escape(t.api)}</h2><p><a href="/api/docs">${escape(t.docs)}</a> · <a href="/api/openapi.json">OpenAPI</a></p></body></html>`;
}

export async function registerHome(f: FastifyInstance): Promise<void> {
  f.get('/', async (request, reply) => {
    const lang = pickLanguage(request.headers['accept-language']);
    const url = `${request.protocol}://${request.headers.host ?? 'localhost'}/`;
    return reply.header('content-language', lang).header('vary', 'Accept-Language').type('text/html; charset=utf-8').send(renderHome(lang, url));
  });
}
