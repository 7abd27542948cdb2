// Worker thread of the vCard parse pool (parsePool.ts): receives pieces of vCard text, answers
// with validated contacts and positioned failures (parseVCardPiece). Runs as parseWorker.js from
// dist/ and as parseWorker.ts under tsx (the pool passes `--import tsx` then).
import { parentPort } from 'node:worker_threads';
import { parseVCardPiece } from './vcardParse.js';

export interface ParseRequest { id: number; text: string }
export type ParseResponse =
  | { id: number; ok: true; result: ReturnType<typeof parseVCardPiece> }
  | { id: number; ok: false; error: string };

const port = parentPort;
if (!port) throw new Error('parseWorker.ts must run in a worker thread');
port.on('message', (req: ParseRequest) => {
  let res: ParseResponse;
  try {
    res = { id: req.id, ok: true, result: parseVCardPiece(req.text) };
  } catch (e) {
    res = { id: req.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(res);
});
