// `crmsync target add|list|remove|reset|passwd` (issue 4 item 1; SPEC A2, A3, H3).
import type { Command } from 'commander';
import { UNITS, type Unit } from '../../domain/records.js';
import { addTarget, getTarget, listTargets, removeTarget, resetTarget, updateTargetPassword } from '../../sync/engine/targets.js';
import { listChannels } from '../../sync/engine/channels.js';
import { listUsers } from '../../crm/users.js';
import { findUser, withApp } from '../app.js';
import { passwordFrom, type PasswordFlags } from '../secrets.js';
import { formatTable, isoTime } from '../table.js';

interface AddFlags extends PasswordFlags {
  user: string;
  url: string;
  username: string;
  label?: string;
  contacts?: string;
  calendar?: string;
  tasks?: string;
  oneWay?: boolean;
}

export function registerTarget(program: Command): void {
  const target = program.command('target').description('remote CalDAV/CardDAV accounts synced with users\' CRM data');

  target.command('add').description('connect an account: the credentials are checked, stored encrypted and never shown again (A2)')
    .requiredOption('--user <name>', 'whose CRM data it syncs')
    .requiredOption('--url <url>', 'server or account URL, e.g. https://cloud.example.com/remote.php/dav/')
    .requiredOption('--username <name>', 'the account\'s login')
    .option('--password <pw>', 'the password or app password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--label <text>', 'a name to show for it')
    .option('--contacts <url>', 'address book to use (when the account has several)')
    .option('--calendar <url>', 'event calendar to use')
    .option('--tasks <url>', 'task list to use')
    .option('--one-way', 'CRM → account only (D1); default two-way')
    .action(async (flags: AddFlags, cmd: Command) => {
      const password = await passwordFrom(flags);
      await withApp(cmd, async (app) => {
        const user = await findUser(app, flags.user);
        const chosen: Partial<Record<Unit, string>> = {};
        for (const unit of UNITS) if (flags[unit]) chosen[unit] = flags[unit];
        const { target: t, bound } = await addTarget(app.crm, app.keyring, {
          userId: user.id, url: flags.url, username: flags.username, password, label: flags.label,
          collections: Object.keys(chosen).length > 0 ? chosen : undefined,
          modes: flags.oneWay ? { contacts: 'one-way', calendar: 'one-way', tasks: 'one-way' } : undefined,
        });
        process.stdout.write(`connected ${t.label} (${t.id}) for ${user.username}\n`);
        for (const [unit, url] of Object.entries(bound)) process.stdout.write(`  ${unit.padEnd(8)} ${url}\n`);
      });
    });

  target.command('list').description('connected accounts and the state of each unit (H1)')
    .option('--user <name>', 'only this user\'s')
    .action(async (flags: { user?: string }, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const userId = flags.user ? (await findUser(app, flags.user)).id : undefined;
        const names = new Map((await listUsers(app.crm)).map((u) => [u.id, u.username]));
        const rows: string[][] = [];
        for (const t of await listTargets(app.crm, userId)) {
          for (const c of await listChannels(app.crm, { targetId: t.id })) {
            rows.push([t.id, names.get(t.userId) ?? t.userId, t.label, c.unit, c.mode, c.status + (c.statusReason ? `: ${c.statusReason}` : ''),
              isoTime(c.lastSuccessAt), `${c.progress.done}/${c.progress.total}`]);
          }
        }
        process.stdout.write(formatTable(['TARGET', 'USER', 'LABEL', 'UNIT', 'MODE', 'STATUS', 'LAST SYNC', 'PROGRESS'], rows));
      });
    });

  target.command('remove <id>').description('disconnect an account (its copies stay there; the CRM is untouched)')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const t = await getTarget(app.crm, id);
        await removeTarget(app.crm, id);
        process.stdout.write(`removed ${t.label} (${t.id})\n`);
      });
    });

  target.command('reset <id>').description('clear the sync state (H3); the next run re-links existing items instead of duplicating them (M1)')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      await withApp(cmd, async (app) => {
        await resetTarget(app.crm, id);
        process.stdout.write(`reset ${id}; the next sync matches existing items\n`);
      });
    });

  target.command('passwd <id>').description('sign in again with new credentials (L4)')
    .option('--password <pw>', 'the new password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (id: string, flags: PasswordFlags, cmd: Command) => {
      const password = await passwordFrom(flags);
      await withApp(cmd, async (app) => {
        await updateTargetPassword(app.crm, app.keyring, id, password);
        process.stdout.write(`new credentials stored for ${id}; its units will sync again\n`);
      });
    });
}
