// `crmsync user add|list|passwd|disable|enable` (issue 2 item 7; SPEC Records: users).
import type { Command } from 'commander';
import { createUser, listUsers, setPassword, updateUser } from '../../crm/users.js';
import { findUser, withApp } from '../app.js';
import { passwordFrom, type PasswordFlags } from '../secrets.js';
import { formatTable, yesNo } from '../table.js';

interface AddFlags extends PasswordFlags { admin?: boolean; email?: string; displayName?: string }

export function registerUser(program: Command): void {
  const user = program.command('user').description('manage users');

  user.command('add <name>').description('create a user')
    .option('--password <pw>', 'the password (at least 8 characters)')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--admin', 'make the user an administrator')
    .option('--email <email>', 'e-mail address (attendee address in calendars)')
    .option('--display-name <name>', 'name shown in the UI and calendars')
    .action(async (name: string, flags: AddFlags, cmd: Command) => {
      const password = await passwordFrom(flags);
      await withApp(cmd, async (app) => {
        const u = await createUser(app.crm, {
          username: name, password, isAdmin: flags.admin === true, email: flags.email ?? null, displayName: flags.displayName ?? name,
        });
        process.stdout.write(`created user ${u.username}${u.isAdmin ? ' (admin)' : ''}\n`);
      });
    });

  user.command('list').description('list users')
    .action(async (_flags: unknown, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const rows = (await listUsers(app.crm)).map((u) => [u.username, u.displayName, u.email ?? '', yesNo(u.isAdmin), yesNo(u.disabled)]);
        process.stdout.write(formatTable(['USERNAME', 'DISPLAY NAME', 'EMAIL', 'ADMIN', 'DISABLED'], rows));
      });
    });

  user.command('passwd <name>').description("set a user's password")
    .option('--password <pw>', 'the new password')
    .option('--password-stdin', 'read the new password from the first line of stdin')
    .action(async (name: string, flags: PasswordFlags, cmd: Command) => {
      const password = await passwordFrom(flags);
      await withApp(cmd, async (app) => {
        await setPassword(app.crm, (await findUser(app, name)).id, password);
        process.stdout.write(`password of ${name} changed\n`);
      });
    });

  for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
    user.command(`${verb} <name>`).description(disabled ? 'stop a user from signing in and syncing (S5 empties their sets)' : 'let a disabled user back in')
      .action(async (name: string, _flags: unknown, cmd: Command) => {
        await withApp(cmd, async (app) => {
          await updateUser(app.crm, (await findUser(app, name)).id, { disabled });
          process.stdout.write(`${name} ${disabled ? 'disabled' : 'enabled'}\n`);
        });
      });
  }
}
