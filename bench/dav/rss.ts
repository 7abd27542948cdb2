// Peak RSS of the crmsync server process request by request on a large address book (issue 3
// item 9): loads N contacts once into /tmp/crmsync-davbench/rss.db, serves them and prints VmRSS/
// VmHWM after each request. Usage: npx tsx bench/dav/rss.ts [N] [--built] [node flags...]; with
// --built the server runs from the compiled build in dist/ (`npm run build`, as `npm start` does).
import { freePort } from '../../test/helpers/peers.js';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
mkdirSync('/tmp/crmsync-davbench', { recursive: true });
const file = '/tmp/crmsync-davbench/rss.db';
const N = Number(process.argv[2] ?? 50000);
const built = process.argv.includes('--built');
const extra = process.argv.slice(3).filter((a) => a !== '--built');
try { readFileSync(file); } catch { execFileSync(process.execPath, ['--import', 'tsx', `${import.meta.dirname}/crmsyncLoad.ts`, file, String(N), '0'], { stdio: 'inherit' }); }
const port = await freePort();
const serve = built ? [`${import.meta.dirname}/serveBuilt.mjs`, `${import.meta.dirname}/../../dist`] : ['--import', 'tsx', `${import.meta.dirname}/crmsyncServe.ts`];
const child = spawn(process.execPath, [...extra, ...serve, file, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((r) => child.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('ready')) r(); }));
const st = () => { const s = readFileSync(`/proc/${child.pid}/status`, 'utf8'); return `rss ${Number(/VmRSS:\s+(\d+)/.exec(s)![1]) >> 10} hwm ${Number(/VmHWM:\s+(\d+)/.exec(s)![1]) >> 10}`; };
const auth = { authorization: `Basic ${Buffer.from('alice_device=rss:wonderland').toString('base64')}` };
const book = `http://127.0.0.1:${port}/dav/addressbooks/alice/contacts/`;
console.log('start', st());
const req = async (label: string, method: string, body: string) => { const t = performance.now(); const r = await fetch(book, { method, headers: { ...auth, depth: '1' }, body }); const txt = await r.text(); console.log(label, r.status, txt.length, (performance.now() - t).toFixed(0), 'ms', st()); if (built) child.kill('SIGUSR2'); await new Promise((ok) => setTimeout(ok, 100)); return txt; };
const l = await req('propfind cold', 'PROPFIND', '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/><d:resourcetype/></d:prop></d:propfind>');
await req('propfind warm', 'PROPFIND', '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/><d:resourcetype/></d:prop></d:propfind>');
await req('sync initial', 'REPORT', '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>');
const hrefs = [...l.matchAll(/<d:href>([^<]+\.vcf)<\/d:href>/g)].map((m) => m[1]!).slice(0, 1000);
await req('multiget', 'REPORT', `<c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><c:address-data/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</c:addressbook-multiget>`);
await req('propfind warm', 'PROPFIND', '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/><d:resourcetype/></d:prop></d:propfind>');
child.kill('SIGTERM');
