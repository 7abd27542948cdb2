// The applier's own writes — link rows and per-item history (H2) — collected during a batch and
// written in one transaction every FLUSH_EVERY actions and when the batch ends, failed or not:
// one transaction per batch at the default batch size (L1). Issue 4 item 6: with one autocommit
// per row, SQLite commits dominated a first sync; with one per 250 items still a tenth of it.
// Safe against a crash between a remote write and its flush by design: a copy whose link was
// lost is relinked by the strong keys (our id in X-CRMSYNC-ID, UID; plan.ts step 1, M2), an update
// or CRM write whose link was not refreshed shows as the same content on both sides (no conflict,
// C1), and a deleted copy whose link remains is forgotten at the next run.
import type { CrmContext } from '../../crm/context.js';
import { inTransaction } from '../../crm/context.js';
import { insertRows } from '../../crm/bulk.js';
import type { SyncLink } from '../model/state.js';
import type { SyncEvent } from './history.js';
import { deleteLink, saveLinks } from './links.js';

export const FLUSH_EVERY = 500;

type Pending =
  | { kind: 'save'; link: SyncLink }
  | { kind: 'delete'; crmId: string }
  | { kind: 'event'; event: SyncEvent };

export class Bookkeeping {
  private ops: Pending[] = [];
  /** Actions since the last flush. */
  private actions = 0;

  constructor(private readonly ctx: CrmContext, private readonly channelId: string) {}

  saveLink(link: SyncLink): void {
    this.ops.push({ kind: 'save', link });
  }

  deleteLink(crmId: string): void {
    this.ops.push({ kind: 'delete', crmId });
  }

  event(e: Omit<SyncEvent, 'at'>): void {
    this.ops.push({ kind: 'event', event: { ...e, at: this.ctx.now() } });
  }

  /** Called before each action: flushes what the last FLUSH_EVERY actions collected. */
  async maybeFlush(): Promise<void> {
    if (this.actions >= FLUSH_EVERY) await this.flush();
    this.actions++;
  }

  /** Writes everything collected, in order, in one transaction. */
  async flush(): Promise<void> {
    this.actions = 0;
    if (this.ops.length === 0) return;
    const ops = this.ops;
    this.ops = [];
    await inTransaction(this.ctx, async (tx) => {
      const events: SyncEvent[] = [];
      const writeEvents = async () => {
        // insertRows: one cached prepared statement per row on SQLite (inside this transaction),
        // multi-row INSERTs elsewhere.
        await insertRows(tx, 'sync_events', events.map((e) => ({
          channel_id: e.channelId, run_id: e.runId, crm_id: e.crmId, remote_href: e.remoteHref, at: e.at,
          direction: e.direction, action: e.action, result: e.result, message: e.message,
        })));
        events.length = 0;
      };
      let saves: SyncLink[] = [];
      for (const op of ops) {
        if (op.kind === 'event') events.push(op.event);
        else if (op.kind === 'save') saves.push(op.link);
        else {
          await saveLinks(tx, this.channelId, saves); // keep the order of saves and deletes
          saves = [];
          await deleteLink(tx, this.channelId, op.crmId);
        }
      }
      await saveLinks(tx, this.channelId, saves);
      await writeEvents(); // events only reference items; their order among themselves is kept
    });
  }
}
