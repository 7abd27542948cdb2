// Limits and knobs of the DAV server in one object (Stalwart's "limits are configuration"):
// handlers read them from here, never from constants of their own.

export interface DavLimits {
  /** Largest request body accepted; larger ones get 413 (issue 3 item 7). */
  readonly maxBodyBytes: number;
  /** Largest calendar object or vCard accepted by PUT (advertised as max-resource-size). */
  readonly maxResourceBytes: number;
  /** Occurrences one object may expand to (expand, free-busy, time-range tests). */
  readonly maxInstancesPerObject: number;
  /** Rule steps taken per object before an expansion stops (FREQ=SECONDLY over years). */
  readonly maxIterationsPerObject: number;
  /** Occurrences one request may produce over all objects; past it the answer is 507/403. */
  readonly maxInstancesPerRequest: number;
  /** Hrefs accepted in one multiget. */
  readonly maxMultigetHrefs: number;
  /** Most results of one query REPORT when the client sets no smaller limit. */
  readonly maxQueryResults: number;
  /** How long a successful password check is remembered (argon2 costs ~20 ms a request). */
  readonly authCacheMs: number;
  /** A device's last_seen is written at most this often. */
  readonly lastSeenIntervalMs: number;
  /** Rendered bodies kept in memory, in bytes (ETags are kept separately and are tiny). */
  readonly renderCacheBytes: number;
  /** Item stamps (name, version, extras revision) kept per collection revision, in items. */
  readonly stampCacheItems: number;
  /** Members loaded, rendered and serialised together while a 207 is streamed. */
  readonly itemBatch: number;
  /** Bytes of a streamed 207 collected before they go to the socket; an answer of at most two goes out whole. */
  readonly streamChunkBytes: number;
  /** Calendar items kept loaded for calendar-query (recordCache.ts), in items. */
  readonly recordCacheItems: number;
  /** Item `response` fragments kept with those snapshots for reuse, in bytes (handlers/light.ts). */
  readonly responseCacheBytes: number;
  /**
   * F2 for devices: maximum field lengths the device side imposes (none by default). A value
   * coming back that is the CRM value cut to such a limit never overwrites the longer original.
   */
  readonly deviceFieldLimits: Readonly<Record<string, number>>;
}

export const DEFAULT_DAV_LIMITS: DavLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxResourceBytes: 10 * 1024 * 1024,
  maxInstancesPerObject: 1_000,
  maxIterationsPerObject: 20_000,
  maxInstancesPerRequest: 20_000,
  maxMultigetHrefs: 5_000,
  maxQueryResults: 50_000,
  authCacheMs: 60_000,
  lastSeenIntervalMs: 60_000,
  renderCacheBytes: 64 * 1024 * 1024,
  stampCacheItems: 200_000,
  responseCacheBytes: 8 * 1024 * 1024,
  recordCacheItems: 20_000,
  itemBatch: 250,
  streamChunkBytes: 64 * 1024,
  deviceFieldLimits: {},
};

/** The realm of the Basic challenge (RFC 7617). */
export const REALM = 'crmsync';
