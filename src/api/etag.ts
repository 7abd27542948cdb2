// Optimistic concurrency on records: the ETag is the record's version; a write carrying
// If-Match for another version fails with 412 instead of overwriting a newer change.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { preconditionFailed } from './problem.js';

export const IF_MATCH_HEADER = { name: 'If-Match', description: 'ETag of the version this change is based on ("<version>", W/"<version>" or *); 412 when the record has moved on' };

export function setEtag(reply: FastifyReply, version: number): void {
  reply.header('etag', `"${version}"`);
}

/** The version If-Match names, '*' for any, or undefined without the header. */
export function ifMatch(request: FastifyRequest): number | '*' | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined) return undefined;
  const values = (Array.isArray(raw) ? raw.join(',') : raw).split(',').map((v) => v.trim()).filter(Boolean);
  if (values.includes('*')) return '*';
  const versions = values.map((v) => /^(?:W\/)?"(\d+)"$/.exec(v)?.[1]).filter((v): v is string => v !== undefined);
  // Several ETags or a malformed one can never match a single current version.
  return versions.length === 1 && values.length === 1 ? Number(versions[0]) : -1;
}

/** Throws 412 when If-Match is present and does not name `current`. */
export function checkIfMatch(request: FastifyRequest, current: number): void {
  const wanted = ifMatch(request);
  if (wanted === undefined || wanted === '*' || wanted === current) return;
  throw preconditionFailed(`If-Match does not match the current version "${current}"`);
}
