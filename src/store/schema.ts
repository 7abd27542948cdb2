// Row types of every table, as Kysely sees them. Times are epoch ms, booleans 0/1 integers,
// structured values JSON text: one representation on SQLite and PostgreSQL alike.
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string | null;
  is_admin: number;
  disabled: number;
  department_id: string | null;
  rights: string; // JSON Right[]
  settings: string; // JSON SyncSettings
  created_at: number;
  updated_at: number;
}

export interface DepartmentsTable { id: string; name: string; created_at: number }
export interface GroupsTable { id: string; name: string; created_at: number; updated_at: number }
export interface GroupMembersTable { group_id: string; user_id: string }

export interface ContactsTable {
  id: string;
  external_id: string | null;
  uid: string;
  kind: string;
  display_name: string;
  category: string | null;
  responsible_user_id: string | null;
  archived: number;
  data: string; // JSON of the remaining Contact fields
  created_at: number;
  updated_at: number;
  version: number;
}
export interface ContactTagsTable { contact_id: string; tag: string }
export interface ContactTicksTable { contact_id: string; user_id: string; created_at: number }

export interface AppointmentsTable {
  id: string;
  external_id: string | null;
  uid: string;
  title: string;
  status: string;
  private: number;
  organizer_user_id: string | null;
  /** First occurrence start (all-day: UTC midnight of the date). */
  start_ms: number;
  /** End of the last occurrence; null for a series without end. Drives the S2 window. */
  last_end_ms: number | null;
  data: string;
  created_at: number;
  updated_at: number;
  version: number;
}
/** Users and groups invited to an appointment, for "whose sets does this touch" look-ups (S2). */
export interface AppointmentParticipantsTable { appointment_id: string; kind: 'user' | 'group'; ref_id: string }

export interface TasksTable {
  id: string;
  external_id: string | null;
  uid: string;
  title: string;
  status: string;
  due_ms: number | null;
  data: string;
  created_at: number;
  updated_at: number;
  version: number;
}
export interface TaskResponsiblesTable { task_id: string; user_id: string }

export interface CalendarSharesTable { owner_user_id: string; viewer_user_id: string; created_at: number }

export interface CollectionsTable {
  id: string;
  user_id: string;
  unit: string; // Unit
  /** Whose records it shows: the user, or a colleague whose calendar the user added (A4). */
  owner_user_id: string;
  revision: number;
  /** Oldest revision a change query can still start from (retention cut). */
  min_revision: number;
  props: string; // JSON: displayname, color, order, dead properties
  created_at: number;
  updated_at: number;
}
export interface CollectionMembersTable { collection_id: string; item_id: string; revision: number }
export interface CollectionChangesTable {
  collection_id: string;
  revision: number;
  item_id: string;
  op: 'upsert' | 'remove';
  at: number;
}

export interface JournalTable {
  id: Generated<number>;
  at: number;
  author_kind: string; // AuthorKind
  author_id: string | null;
  author_label: string;
  record_kind: string; // 'contact' | 'appointment' | 'task' | 'tick'
  record_id: string;
  /** For ticks: the user whose tick changed. */
  subject_user_id: string | null;
  action: string; // create | update | delete | tick | untick | undo
  before: string | null;
  after: string | null;
  undo_of: number | null;
  undone_by: number | null;
}

export interface SessionsTable { id_hash: string; user_id: string; created_at: number; expires_at: number }
export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface WebhooksTable {
  id: string;
  url: string;
  secret_enc: string;
  events: string; // JSON string[]
  active: number;
  created_by: string;
  created_at: number;
}
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event: string;
  payload: string;
  status: string; // pending | delivered | failed
  attempts: number;
  next_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  name: string;
  user_agent: string | null;
  app_password_hash: string | null;
  first_seen: number;
  last_seen: number;
  revoked_at: number | null;
}
export interface DavResourcesTable {
  collection_id: string;
  item_id: string;
  name: string;
  extras: string | null;
  extras_rev: number;
}

export interface TargetsTable {
  id: string;
  user_id: string;
  kind: string;
  label: string;
  url: string;
  username: string;
  secret_enc: string;
  account_key: string;
  status: string;
  status_reason: string | null;
  created_at: number;
  updated_at: number;
}
export interface ChannelsTable {
  id: string;
  target_id: string;
  user_id: string;
  unit: string;
  remote_collection: string;
  mode: string;
  conflict_policy: string;
  contact_deletion: string;
  automatic: number;
  interval_ms: number;
  batch_size: number;
  crm_revision: number | null;
  remote_cursor: string | null;
  status: string;
  status_reason: string | null;
  consecutive_failures: number;
  next_run_at: number | null;
  last_run_at: number | null;
  last_success_at: number | null;
  progress_done: number;
  progress_total: number;
  counts: string;
  pending_trigger: string | null;
  confirm_deletion: number;
  lock_owner: string | null;
  lock_until: number | null;
  /** A continuing run's checkpoint (JSON, RunCheckpoint in src/sync/engine/channels.ts). */
  run_checkpoint: string | null;
  created_at: number;
  updated_at: number;
}
export interface SyncLinksTable {
  channel_id: string;
  crm_id: string;
  remote_href: string;
  remote_uid: string;
  remote_version: string;
  crm_version: number;
  crm_hash: string;
  remote_hash: string;
  base: string | null;
}
export interface SyncEventsTable {
  id: Generated<number>;
  channel_id: string;
  run_id: number | null;
  crm_id: string | null;
  remote_href: string | null;
  at: number;
  direction: string;
  action: string;
  result: string;
  message: string;
}
export interface SyncRunsTable {
  id: Generated<number>;
  channel_id: string;
  trigger: string;
  started_at: number;
  finished_at: number | null;
  status: string;
  counts: string;
  error: string | null;
}

export interface SettingsKvTable { key: string; value: string }

/** The SQL job queue (src/jobs/sqlQueue.ts). */
export interface JobsTable {
  id: string;
  name: string;
  key: string;
  payload: string; // JSON
  run_at: number;
  status: 'pending' | 'running';
  /** How often this job was claimed: more than 1 after a crash or a lost lease. */
  attempts: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface DB {
  users: UsersTable;
  departments: DepartmentsTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  contacts: ContactsTable;
  contact_tags: ContactTagsTable;
  contact_ticks: ContactTicksTable;
  appointments: AppointmentsTable;
  appointment_participants: AppointmentParticipantsTable;
  tasks: TasksTable;
  task_responsibles: TaskResponsiblesTable;
  calendar_shares: CalendarSharesTable;
  collections: CollectionsTable;
  collection_members: CollectionMembersTable;
  collection_changes: CollectionChangesTable;
  journal: JournalTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  settings_kv: SettingsKvTable;
  jobs: JobsTable;
  devices: DevicesTable;
  dav_resources: DavResourcesTable;
  targets: TargetsTable;
  channels: ChannelsTable;
  sync_links: SyncLinksTable;
  sync_events: SyncEventsTable;
  sync_runs: SyncRunsTable;
}
