// /api/docs: the OpenAPI document rendered as one self-contained HTML page (no scripts, no CDN:
// crmsync runs on machines without internet access).
type Json = Record<string, unknown>;

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pretty = (v: unknown) => `<pre>${esc(JSON.stringify(v, null, 2))}</pre>`;

function operation(method: string, path: string, op: Json): string {
  const params = (op.parameters ?? []) as Json[];
  const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
  const responses = (op.responses ?? {}) as Record<string, Json>;
  const id = esc(op.operationId);
  return `<section class="op" id="${id}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> — ${esc(op.summary)}</h3>
${op.description ? `<p>${esc(op.description)}</p>` : ''}
${(op.security as unknown[] | undefined)?.length === 0 ? '<p><em>No authentication needed.</em></p>' : ''}
${params.length ? `<table><tr><th>Parameter</th><th>In</th><th>Required</th><th>Schema</th><th>Description</th></tr>${params.map((p) =>
    `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${esc(JSON.stringify(p.schema))}</code></td><td>${esc(p.description ?? '')}</td></tr>`).join('')}</table>` : ''}
${body ? `<details><summary>Request body</summary>${Object.entries(body).map(([t, c]) => `<p><code>${esc(t)}</code></p>${pretty(c.schema)}`).join('')}</details>` : ''}
<details><summary>Responses: ${Object.keys(responses).map(esc).join(', ')}</summary>${Object.entries(responses).map(([status, r]) =>
    `<p><strong>${esc(status)}</strong> ${esc(r.description)}</p>${r.content ? Object.values(r.content as Record<string, Json>).map((c) => pretty(c.schema)).join('') : ''}`).join('')}</details>
</section>`;
}

export function renderDocs(doc: Json): string {
  const info = doc.info as Json;
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const byTag = new Map<string, string[]>();
  const toc = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = String((op.tags as string[] | undefined)?.[0] ?? 'other');
      (byTag.get(tag) ?? byTag.set(tag, []).get(tag)!).push(operation(method, path, op));
      (toc.get(tag) ?? toc.set(tag, []).get(tag)!).push(`<a href="#${esc(op.operationId)}">${esc(method.toUpperCase())} ${esc(path)}</a>`);
    }
  }
  const schemas = ((doc.components as Json).schemas ?? {}) as Record<string, unknown>;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)} API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1d2329}
h2{border-bottom:2px solid #d0d7de;padding-bottom:.2rem;margin-top:2.5rem}
.op{border:1px solid #d0d7de;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;color:#fff;font-size:.8rem;padding:.1rem .3rem}
.get{background:#0969da}.post{background:#1a7f37}.put{background:#9a6700}.patch{background:#8250df}.delete{background:#cf222e}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:.8rem;max-height:30rem}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left;vertical-align:top}
nav ul{columns:2}
</style></head><body>
<h1>${esc(info.title)} API <small>${esc(info.version)}</small></h1>
<p>${esc(info.description ?? '')} Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${esc(doc.openapi)}).</p>
<p>Authenticate with <code>Authorization: Bearer cst_…</code> (an API token) or the session cookie set by <code>POST /api/login</code>.
Errors are <code>application/problem+json</code>. Record reads return an <code>ETag</code>; send it back in <code>If-Match</code> to update safely.</p>
<nav>${[...toc].map(([tag, links]) => `<h4>${esc(tag)}</h4><ul>${links.map((l) => `<li>${l}</li>`).join('')}</ul>`).join('')}</nav>
${[...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.join('\n')}`).join('\n')}
<h2>Schemas</h2>
${Object.entries(schemas).map(([name, s]) => `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary>${pretty(s)}</details>`).join('\n')}
</body></html>`;
}
